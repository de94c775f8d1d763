import ArgumentParser
import Foundation

/// `onionops trigger`: asks a running `onionops watch` to reconcile now.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Ask a running `onionops watch` to reconcile at once (for a git post-receive hook).",
        discussion: """
            Sends POST /trigger to the daemon. Triggers that arrive while a reconcile runs are \
            coalesced into one more. Exit 0 when the daemon took it, 1 when it could not be reached.
            """
    )

    @Option(name: .long, help: "The daemon's address (its --listen).")
    var url = "http://127.0.0.1:9477"

    init() {}

    func run() async throws {
        let output = try Run.capture(
            "/usr/bin/curl", ["-s", "-S", "-f", "--max-time", "10", "-X", "POST", url + "/trigger"])
        guard output.exitCode == 0 else {
            Console.err(
                "error: cannot reach onionops watch at \(url): \(output.stderr.trimmingCharacters(in: .newlines))")
            throw ExitCode(1)
        }
        Console.out(output.stdout.trimmingCharacters(in: .newlines))
    }
}
