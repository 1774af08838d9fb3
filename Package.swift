// swift-tools-version:6.0
//
// SpikeKit: an event-driven neuromorphic simulator. No package dependencies: Foundation, Dispatch,
// Swift Testing and the system's zlib only.
//
// Build settings for speed. Swift's default x86-64 target has no FMA and no AVX, which makes the
// fused multiply-adds of the GEMM and event kernels a library call per lane (about 100x slower, see
// DESIGN §10). On x86-64 the library and its tools are therefore compiled for the build machine's CPU
// (`-target-cpu native`). Set SPIKEKIT_TARGET_CPU to choose another CPU (for example
// `SPIKEKIT_TARGET_CPU=x86-64-v3` for a binary that runs on any AVX2 + FMA machine), or to `portable`
// to use the compiler's default target. arm64 has FMA and NEON in its baseline, so nothing is added
// there. These flags are `unsafeFlags`, which SwiftPM accepts for a root package or a local path
// dependency; a package that depends on SpikeKit by version should set SPIKEKIT_TARGET_CPU=portable
// and pass `-Xswiftc -target-cpu -Xswiftc <cpu>` itself.
import PackageDescription
import Foundation

let requestedCPU = ProcessInfo.processInfo.environment["SPIKEKIT_TARGET_CPU"] ?? "native"
var speedSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]
#if arch(x86_64)
if requestedCPU != "portable" {
    speedSettings.append(.unsafeFlags(["-target-cpu", requestedCPU]))
}
#endif
// Data-parallel training over MPI is opt-in: with SPIKEKIT_MPI=1 the tool is built against the
// system's Open MPI (Debian: libopenmpi-dev; `pkg-config ompi-c`) and runs as one rank of
// `mpirun -np N spikekit run CONFIG`. Without it nothing here needs MPI (README, "Sweeps and clusters").
let withMPI = ProcessInfo.processInfo.environment["SPIKEKIT_MPI"] == "1"
let mpiTargets: [Target] = withMPI ? [
    .systemLibrary(name: "CMPI", path: "Sources/MPI/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
    .target(name: "SpikeKitMPI", dependencies: ["SpikeKit", "CMPI"], path: "Sources/MPI/SpikeKitMPI",
            swiftSettings: speedSettings),
] : []
let toolMPI: [Target.Dependency] = withMPI ? ["SpikeKitMPI"] : []
let toolMPISettings: [SwiftSetting] = withMPI ? [.define("SPIKEKIT_MPI")] : []

// The library is optimised in debug builds too: its tests run simulations, training steps and
// finite-difference checks whose unspecialised SIMD code would otherwise be 10-100x slower.
let libraryOnlySettings: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "SpikeKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SpikeKit", targets: ["SpikeKit"]),
        .executable(name: "spikekit", targets: ["spikekit"]),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(
            name: "SpikeKit",
            dependencies: ["CZlib"],
            path: "Sources/SpikeKit",
            resources: [.copy("Resources/fashion-mnist-subset")],
            swiftSettings: speedSettings + libraryOnlySettings
        ),
        .executableTarget(
            name: "spikekit",
            dependencies: ["SpikeKit"] + toolMPI,
            path: "Sources/spikekit",
            swiftSettings: speedSettings + toolMPISettings
        ),
        .executableTarget(
            name: "spikekit-fuzz",
            dependencies: ["SpikeKit"],
            path: "Sources/spikekit-fuzz",
            swiftSettings: speedSettings
        ),
        .executableTarget(
            name: "QuickStart",
            dependencies: ["SpikeKit"],
            path: "Examples/QuickStart",
            swiftSettings: speedSettings
        ),
        .executableTarget(
            name: "ConversionSweep",
            dependencies: ["SpikeKit"],
            path: "Examples/ConversionSweep",
            swiftSettings: speedSettings
        ),
        .executableTarget(
            name: "HybridTraining",
            dependencies: ["SpikeKit"],
            path: "Examples/HybridTraining",
            swiftSettings: speedSettings
        ),
        .executableTarget(
            name: "EnergyReport",
            dependencies: ["SpikeKit"],
            path: "Examples/EnergyReport",
            swiftSettings: speedSettings
        ),
        .executableTarget(
            name: "ImportPyTorch",
            dependencies: ["SpikeKit"],
            path: "Examples/ImportPyTorch",
            swiftSettings: speedSettings
        ),
        .testTarget(
            name: "SpikeKitTests",
            dependencies: ["SpikeKit"],
            path: "Tests/SpikeKitTests",
            swiftSettings: speedSettings
        ),
    ] + mpiTargets,
    swiftLanguageModes: [.v6]
)
