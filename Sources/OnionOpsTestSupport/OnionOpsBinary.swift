public import Foundation
import OnionOpsHosts

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
        let captured = try Command.capture(url.path, arguments, in: directory)
        return Result(
            exitCode: captured.exitCode,
            stdout: captured.stdout,
            stderr: captured.stderr,
            seconds: captured.seconds
        )
    }

    /// `run` for async tests: waits on the blocking pool, not on a thread of
    /// the cooperative pool.
    public static func runAsync(_ arguments: [String]) async throws -> Result {
        let started = Date()
        let captured = try await Spawn.capture(url.path, arguments, environment: .inherited, mergeErrors: false)
        return Result(
            exitCode: captured.status,
            stdout: String(decoding: captured.stdout, as: UTF8.self),
            stderr: String(decoding: captured.stderr, as: UTF8.self),
            seconds: Date().timeIntervalSince(started)
        )
    }
}
