import Foundation
import OnionOpsTestSupport

/// Runs a system tool (age-keygen, openssl, tor) for a test, through the
/// shared test-support runner.
enum Tool {
    /// The reference `age` binary (Debian's package `age`), which the
    /// in-process sealer is checked against.
    static let agePath = "/usr/bin/age"

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        let captured = try Command.capture(executable, arguments)
        return Output(status: captured.exitCode, stdout: captured.stdout, stderr: captured.stderr)
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
