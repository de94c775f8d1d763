public import Foundation

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
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws
        -> Result
    {
        let captured = try capture(executable, arguments, environment: environment, mergeStreams: true)
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
        environment: [String: String]? = nil,
        mergeStreams: Bool = false
    ) throws -> Captured {
        let scratch = try TemporaryFolder(prefix: "oo-cmd")
        defer { scratch.remove() }
        let outPath = scratch.path + "/stdout"
        let errPath = scratch.path + "/stderr"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        process.standardOutput = out
        process.standardError = mergeStreams ? out : err
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try out.close()
        try err.close()
        return Captured(
            exitCode: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            seconds: seconds
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
