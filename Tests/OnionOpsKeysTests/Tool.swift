import Foundation
import OnionOpsTestSupport

/// Runs a system tool (age-keygen, openssl, tor) for a test. Foundation's
/// Process is slow here (about 50 ms a call) but these are few.
enum Tool {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        let scratch = try TemporaryFolder(prefix: "oo-tool")
        defer { scratch.remove() }
        let out = try handle(scratch.path + "/out")
        let err = try handle(scratch.path + "/err")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: scratch.path + "/out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: scratch.path + "/err", encoding: .utf8)) ?? ""
        )
    }

    private static func handle(_ path: String) throws -> FileHandle {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    /// A fresh age identity file made by `age-keygen -o`, and its recipient.
    static func makeAgeIdentity(in folder: TemporaryFolder, name: String) throws -> (file: String, recipient: String) {
        let file = folder.path + "/" + name
        let made = try run("/usr/bin/age-keygen", ["-o", file])
        guard made.status == 0 else { throw ToolFailure(message: "age-keygen: \(made.stderr)") }
        let recipient = try run("/usr/bin/age-keygen", ["-y", file])
        guard recipient.status == 0 else { throw ToolFailure(message: "age-keygen -y: \(recipient.stderr)") }
        return (file, recipient.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    struct ToolFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
