public import Foundation

/// Runs the built `onionops` binary, as a user would.
public enum OnionOpsBinary {
    public struct Result: Sendable {
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String
        public var seconds: Double
    }

    /// The binary next to the test bundle (`swift build --build-tests`
    /// builds both into the same folder), or `ONIONOPS_BINARY`.
    public static var url: URL {
        if let override = ProcessInfo.processInfo.environment["ONIONOPS_BINARY"] {
            return URL(fileURLWithPath: override)
        }
        let testBundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let sibling = testBundle.deletingLastPathComponent().appendingPathComponent("onionops")
        if FileManager.default.isExecutableFile(atPath: sibling.path) { return sibling }
        return RepositoryPaths.root.appendingPathComponent(".build/debug/onionops")
    }

    public static func run(_ arguments: [String], in directory: String? = nil) throws -> Result {
        // Output goes to files, not pipes: nothing to drain concurrently,
        // and a large output cannot block the child.
        let scratch = try TemporaryFolder(prefix: "oo-run")
        defer { scratch.remove() }
        let outPath = scratch.path + "/stdout"
        let errPath = scratch.path + "/stderr"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))

        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = out
        process.standardError = err
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try out.close()
        try err.close()
        return Result(
            exitCode: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            seconds: seconds
        )
    }
}
