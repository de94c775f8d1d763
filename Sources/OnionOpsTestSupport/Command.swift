public import Foundation
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

    /// What `capture` saw of one run.
    public struct Captured: Sendable {
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String
        public var seconds: Double
    }

    /// Runs a command with its output going to files, not pipes: nothing
    /// to drain concurrently, and a large output cannot block the child.
    public static func capture(
        _ executable: String,
        _ arguments: [String],
        in directory: String? = nil,
        mergeStreams: Bool = false
    ) throws -> Captured {
        let scratch = try TemporaryFolder(prefix: "oo-cmd")
        defer { scratch.remove() }
        let outPath = scratch.path + "/stdout"
        let errPath = mergeStreams ? outPath : scratch.path + "/stderr"
        let start = Date()
        let status = try Spawn.run(
            executable, arguments, stdoutPath: outPath, stderrPath: errPath, directory: directory)
        return Captured(
            exitCode: status,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: mergeStreams ? "" : ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""),
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
