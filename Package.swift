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
// there.
//
// These are `unsafeFlags`, which SwiftPM accepts only in a root package or a local path dependency.
// When SpikeKit is a dependency fetched by version (its checkout lives under `.build/checkouts/`, or
// Xcode's `SourcePackages/checkouts/`), none are applied, so the dependent builds; it gets the fast
// kernels by building in release mode with the CPU named on its own command line:
// `swift build -c release -Xswiftc -target-cpu -Xswiftc native` (README, "SpikeKit as a dependency").
import PackageDescription
import Foundation

let environment = ProcessInfo.processInfo.environment
let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let isFetchedDependency = packageDirectory.contains("/checkouts/")
let requestedCPU = environment["SPIKEKIT_TARGET_CPU"] ?? (isFetchedDependency ? "portable" : "native")
var speedSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]
#if arch(x86_64)
if requestedCPU != "portable" {
    speedSettings.append(.unsafeFlags(["-target-cpu", requestedCPU]))
}
#endif
// SPIKEKIT_INTERNAL_CHECKS=1 compiles in the simulator's invariant checks (event lists sorted,
// unique and in range after every step entry; membranes finite; a team's bands whole pooling rows),
// as swift-collections does with COLLECTIONS_INTERNAL_CHECKS. Off by default: they cost time.
if environment["SPIKEKIT_INTERNAL_CHECKS"] == "1" {
    speedSettings.append(.define("SPIKEKIT_INTERNAL_CHECKS"))
}
// Data-parallel training over MPI is opt-in: with SPIKEKIT_MPI=1 the tool is built against the
// system's Open MPI (Debian: libopenmpi-dev; `pkg-config ompi-c`) and runs as one rank of
// `mpirun -np N spikekit run CONFIG`. Without it nothing here needs MPI (README, "Sweeps and clusters").
let withMPI = environment["SPIKEKIT_MPI"] == "1"
let mpiTargets: [Target] = withMPI ? [
    .systemLibrary(name: "CMPI", path: "Sources/MPI/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
    .target(name: "SpikeKitMPI", dependencies: ["SpikeKit", "CMPI"], path: "Sources/MPI/SpikeKitMPI",
            swiftSettings: speedSettings),
] : []
let toolMPI: [Target.Dependency] = withMPI ? ["SpikeKitMPI"] : []
let toolMPISettings: [SwiftSetting] = withMPI ? [.define("SPIKEKIT_MPI")] : []

// The library is optimised in debug builds too: its tests run simulations, training steps and
// finite-difference checks whose unspecialised SIMD code would otherwise be 10-100x slower. (Not
// for a fetched dependency, where the flag is refused; its users build SpikeKit in release mode.)
let libraryOnlySettings: [SwiftSetting] = isFetchedDependency ? [] : [.unsafeFlags(["-O"], .when(configuration: .debug))]

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
            exclude: ["config.json", "export_pytorch.py"],
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
