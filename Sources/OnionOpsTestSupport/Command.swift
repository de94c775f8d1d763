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
        let scratch = try TemporaryFolder(prefix: "oo-cmd")
        defer { scratch.remove() }
        let outPath = scratch.path + "/out"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = out
        process.standardError = out
        try process.run()
        process.waitUntilExit()
        try out.close()
        return Result(
            exitCode: process.terminationStatus,
            output: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
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
