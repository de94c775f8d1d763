import Foundation
import OnionOpsHosts

/// Runs a system command (tor, nginx, openssl, curl) for a test and
/// captures its output.
public enum Command {
    public struct Result: Sendable {
        public var exitCode: Int32
        public var output: String

        public var succeeded: Bool { exitCode == 0 }
    }

    /// stdout and stderr together, through a file so nothing can block.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let captured = try capture(executable, arguments, mergeStreams: true)
        return Result(exitCode: captured.exitCode, output: captured.stdout)
    }

    /// `run` for async tests: waits without holding a thread of the
    /// cooperative pool, which in-process servers (the upstream test site)
    /// need to answer the very command being waited for.
    public static func runAsync(_ executable: String, _ arguments: [String]) async throws -> Result {
        let captured = try await Spawn.capture(executable, arguments, environment: .inherited, mergeErrors: true)
        return Result(exitCode: captured.status, output: String(decoding: captured.stdout, as: UTF8.self))
    }

    /// What `capture` saw of one run.
    public struct Captured: Sendable {
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String
        public var seconds: Double
    }

    /// Runs a command through the one process runner (`Spawn`), its output
    /// in anonymous in-memory files: nothing to drain concurrently, and a
    /// large output cannot block the child. Synchronous for test code, so
    /// the wait blocks the calling thread; async code that must not block
    /// the pool (what a test measures) calls `Spawn.capture`.
    public static func capture(
        _ executable: String,
        _ arguments: [String],
        in directory: String? = nil,
        mergeStreams: Bool = false
    ) throws -> Captured {
        let start = Date()
        let captured = try Spawn.captureBlocking(
            executable, arguments, environment: .inherited, directory: directory, mergeErrors: mergeStreams)
        return Captured(
            exitCode: captured.status,
            stdout: String(decoding: captured.stdout, as: UTF8.self),
            stderr: String(decoding: captured.stderr, as: UTF8.self),
            seconds: Date().timeIntervalSince(start)
        )
    }

    public static var isRoot: Bool { getuid() == 0 }

    /// Runs as another user (tor checks modes and owners against the user
    /// it runs as).
    @discardableResult
    public static func run(as user: String, _ executable: String, _ arguments: [String]) throws -> Result {
        if isRoot {
            return try run("/usr/sbin/runuser", ["-u", user, "--", executable] + arguments)
        }
        return try run(executable, arguments)
    }
}
