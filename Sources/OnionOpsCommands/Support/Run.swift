import Foundation
import OnionOpsHosts

/// Runs a helper program (curl) and captures what it printed, through
/// anonymous in-memory files (nothing named on disk), with a minimal
/// environment plus the variables the helper is given by name.
enum Run {
    struct Output {
        var exitCode: Int32
        var stdout: String
        var stderr: String
    }

    /// curl's own proxy settings: a controller behind a proxy keeps working.
    static let curlVariables = [
        "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
    ]

    /// `input` is the child's standard input: a secret meant for the child
    /// goes there (for example curl's `--config -`), never into the
    /// arguments, which every local user can read in /proc/<pid>/cmdline.
    static func capture(
        _ executable: String, _ arguments: [String], input: [UInt8] = [], keeping variables: [String] = curlVariables
    ) throws -> Output {
        let captured = try Spawn.capture(
            executable, arguments, input: input, environment: .minimal(keeping: variables))
        return Output(
            exitCode: captured.status,
            stdout: String(decoding: captured.stdout, as: UTF8.self),
            stderr: String(decoding: captured.stderr, as: UTF8.self)
        )
    }
}
