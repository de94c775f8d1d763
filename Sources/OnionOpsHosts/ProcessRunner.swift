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
        guard FileManager.default.createFile(atPath: inPath, contents: Data(input)),
            FileManager.default.createFile(atPath: outPath, contents: nil),
            FileManager.default.createFile(atPath: errPath, contents: nil),
            let stdin = FileHandle(forReadingAtPath: inPath),
            let stdout = FileHandle(forWritingAtPath: outPath),
            let stderr = FileHandle(forWritingAtPath: errPath)
        else { throw Failure(description: "cannot set up \(folder)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        try? stdin.close()
        try? stdout.close()
        try? stderr.close()
        return CommandOutput(
            exitCode: process.terminationStatus,
            stdout: Array(FileManager.default.contents(atPath: outPath) ?? Data()),
            stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        )
    }
}
