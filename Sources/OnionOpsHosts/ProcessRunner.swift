import Foundation
import OnionOpsCore

/// Runs a short command to completion, arguments passed as they are (no
/// shell), input from and output to files so no pipe can fill up or break.
enum ProcessRunner {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ executable: String, _ arguments: [String], input: [UInt8]) throws -> CommandOutput {
        let folder = NSTemporaryDirectory() + "onionops-run-" + UUID().uuidString
        try FileManager.default.createDirectory(
            atPath: folder,
            withIntermediateDirectories: false,
            attributes: [.posixPermissions: NSNumber(value: 0o700)]
        )
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let inPath = folder + "/in"
        let outPath = folder + "/out"
        let errPath = folder + "/err"
        guard FileManager.default.createFile(atPath: inPath, contents: Data(input)) else {
            throw Failure(description: "cannot set up \(folder)")
        }
        let status = try Spawn.run(executable, arguments, stdinPath: inPath, stdoutPath: outPath, stderrPath: errPath)
        return CommandOutput(
            exitCode: status,
            stdout: Array(FileManager.default.contents(atPath: outPath) ?? Data()),
            stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        )
    }
}
