import ArgumentParser
import Foundation

/// `onionops trigger`: asks a running `onionops watch` to reconcile now.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Ask a running `onionops watch` to reconcile at once (for a git post-receive hook).",
        discussion: """
            Sends POST /trigger to the daemon with `Authorization: Bearer <token>`, the token read \
            from --token-file (default: $ONIONOPS_TRIGGER_TOKEN_FILE, else \
            /etc/onionops/trigger-token): the daemon's --trigger-token-file, or its webhook secret. \
            The token never appears on a command line. Triggers that arrive while a reconcile runs \
            are coalesced into one more. Exit 0 when the daemon took it, 1 when it could not be \
            reached or refused the token.
            """
    )

    static let defaultTokenFile = "/etc/onionops/trigger-token"
    static let tokenFileVariable = "ONIONOPS_TRIGGER_TOKEN_FILE"

    @Option(name: .long, help: "The daemon's address (its --listen).")
    var url = "http://127.0.0.1:9477"

    @Option(name: .long, help: "The file holding the daemon's trigger token.")
    var tokenFile: String?

    init() {}

    func run() async throws {
        let file =
            tokenFile ?? ProcessInfo.processInfo.environment[Self.tokenFileVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultTokenFile
        guard let data = FileManager.default.contents(atPath: file) else {
            Console.err("error: cannot read the trigger token file \(file) (--token-file)")
            throw ExitCode(1)
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            Console.err("error: the trigger token in \(file) is empty or not printable ASCII")
            throw ExitCode(1)
        }
        let response: TriggerRequest.Response
        do {
            response = try await TriggerRequest.post(
                url: url, path: "/trigger", headers: ["Authorization": "Bearer " + token])
        } catch {
            Console.err("error: cannot reach onionops watch at \(url): \(error)")
            throw ExitCode(1)
        }
        guard (200..<300).contains(response.status) else {
            Console.err("error: onionops watch at \(url) answered \(response.status): \(response.body)")
            throw ExitCode(1)
        }
        Console.out(response.body.trimmingCharacters(in: .newlines))
    }
}
