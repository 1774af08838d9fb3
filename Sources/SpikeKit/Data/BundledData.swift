import Foundation

/// Finds the Fashion-MNIST subset that ships inside the package (`Resources/fashion-mnist-subset`).
///
/// SwiftPM's generated `Bundle.module` stops the process when the resource bundle is missing (for
/// example when a binary is copied elsewhere), so the folder is looked up by hand, in this order:
/// 1. the `SPIKEKIT_BUNDLED_DATA` environment variable (the folder itself; if set it must be valid);
/// 2. the resource bundle SwiftPM puts next to the running executable
///    (`SpikeKit_SpikeKit.resources/` on Linux, `SpikeKit_SpikeKit.bundle/` on macOS), also one to
///    three folders up, where a macOS test bundle's executable sits;
/// 3. the source tree this file was compiled from (`Sources/SpikeKit/Resources/fashion-mnist-subset`).
/// If none holds the files, the error lists every place tried.
public enum BundledData {
    /// The folder name of the bundled subset.
    public static let folderName = "fashion-mnist-subset"
    /// The environment variable that overrides the lookup.
    public static let environmentVariable = "SPIKEKIT_BUNDLED_DATA"
    /// SwiftPM's name for this target's resource bundle (`<package>_<target>`).
    static let bundleName = "SpikeKit_SpikeKit"
    /// A file every valid copy of the folder contains.
    static let markerFile = "train-images-idx3-ubyte.gz"

    /// The bundled Fashion-MNIST subset folder.
    public static func fashionMNISTDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let override = environment[environmentVariable], !override.isEmpty {
            let url = URL(fileURLWithPath: override).standardizedFileURL
            guard holdsSubset(url) else {
                throw SpikeKitError.io(path: url.path, reason: "\(environmentVariable) points here, but there is no "
                                           + "\(markerFile) (expected the bundled Fashion-MNIST subset folder)")
            }
            return url
        }
        let candidates = candidateDirectories()
        if let found = candidates.first(where: holdsSubset) { return found }
        throw SpikeKitError.io(
            path: folderName,
            reason: "cannot find the bundled Fashion-MNIST subset; looked in "
                + candidates.map(\.path).joined(separator: ", ")
                + ". Set \(environmentVariable) to the folder, or give the data directory of a Fashion-MNIST copy")
    }

    /// Every folder tried after the environment variable, in order.
    static func candidateDirectories() -> [URL] {
        var candidates: [URL] = []
        for executableDirectory in executableDirectories() {
            var directory = executableDirectory
            for _ in 0...3 {
                for bundle in ["\(bundleName).resources", "\(bundleName).bundle", "\(bundleName).bundle/Contents/Resources"] {
                    candidates.append(directory.appendingPathComponent(bundle).appendingPathComponent(folderName))
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        // This file is Sources/SpikeKit/Data/BundledData.swift; the folder is Sources/SpikeKit/Resources/….
        let sourceFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(sourceFolder.appendingPathComponent("Resources").appendingPathComponent(folderName))
        var seen = Set<String>()
        return candidates.filter { seen.insert($0.path).inserted }
    }

    /// The folder of the running executable, found two ways (they differ when it was started through a link).
    private static func executableDirectories() -> [URL] {
        var directories: [URL] = []
        if let url = Bundle.main.executableURL {
            directories.append(url.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: path).deletingLastPathComponent())
        }
        #endif
        return directories
    }

    private static func holdsSubset(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(markerFile).path)
    }
}
