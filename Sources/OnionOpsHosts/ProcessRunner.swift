import Foundation
import OnionOpsCore

/// Runs a short command to completion, arguments passed as they are (no
/// shell). Every command run on a host goes through here: the local
/// transport's (and so every daemon it starts) and each `ssh` of the SSH
/// transport.
///
/// Input and output go through anonymous in-memory files
/// (`Spawn.capture`), never through named temp files: the SSH batch
/// script carries base64 key files and reads of key files come back on
/// stdout, and a SIGKILL must not leave either on disk. The child's
/// environment is minimal (`ChildEnvironment.forHostCommand`): a daemon
/// started here must not carry the controller's tokens for its life.
enum ProcessRunner {
    static func run(
        _ executable: String,
        _ arguments: [String],
        input: [UInt8],
        environment: ChildEnvironment? = nil
    ) throws -> CommandOutput {
        let captured = try Spawn.capture(
            executable, arguments, input: input,
            environment: environment ?? .forHostCommand(executable))
        return CommandOutput(
            exitCode: captured.status,
            stdout: captured.stdout,
            stderr: String(decoding: captured.stderr, as: UTF8.self)
        )
    }
}
