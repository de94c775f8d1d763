import ArgumentParser
import OnionOpsCore
import OnionOpsEngine

/// `onionops hosts prepare [PATH]`.
struct HostsPrepareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Install or check what each host needs (packages, daemon users) and disable Debian's own services.",
        discussion: """
            Per host, from the manifests: tor (0.4.8 or later where proof-of-work defenses are on), nginx \
            with the modules the rendered configs load (libnginx-mod-http-subs-filter, \
            libnginx-mod-http-lua), onionbalance on publisher hosts, procps and age; the daemon users; and \
            Debian's tor.service, tor@default.service, nginx.service and onionbalance.service, which would \
            take the ports and sockets OnionOps manages, disabled and stopped.

            A host's spec.packages decides what happens to a missing or too old package: `install` \
            installs it from the host's own apt sources (apt-get, as root, through the same SSH and sudo \
            as a reconcile); `verify` (the default) only reports it, with the command that fixes it. \
            Run it again and it changes nothing. Sandbox hosts (a root other than /) are skipped: they \
            use this machine's packages.

            Exit codes: 0 every host ready; 1 a host unreachable, a problem left (verify), or an \
            install failed; 2 changes pending (--dry-run).
            """
    )

    @OptionGroup var options: ManifestOptions

    @Option(name: .long, help: "Only these hosts (comma-separated names).")
    var hosts: String?

    @Flag(name: .long, help: "Show what would change; change nothing.")
    var dryRun = false

    init() {}

    func run() async throws {
        let snapshot = await RevisionFetch.folder(options.path)
        let engine = Engine.keyless
        let apply = !dryRun
        let results = try await EngineCall.run(options.path, output: options.output) {
            () async throws(EngineError) -> [HostPreparation] in
            try await engine.prepare(snapshot, hosts: HostSelection(commaSeparated: hosts), apply: apply)
        }
        switch options.output {
        case .json:
            struct Output: Encodable {
                var formatVersion = JSONOutput.formatVersion
                var hosts: [HostPreparation]
            }
            Console.out(JSONOutput.render(Output(hosts: results)))
        case .text:
            Console.out(results.map { Self.text($0, dryRun: dryRun) }.joined(separator: "\n"))
        }
        if results.contains(where: { $0.error != nil || !($0.remaining ?? $0.plan).problems.isEmpty }) {
            throw ExitCode(1)
        }
        if dryRun && results.contains(where: { !$0.plan.isEmpty }) { throw ExitCode(2) }
        if results.contains(where: { !$0.isReady }) { throw ExitCode(1) }
    }

    static func text(_ result: HostPreparation, dryRun: Bool) -> String {
        if let skipped = result.skipped { return "\(result.host): skipped: \(skipped)" }
        if let error = result.error { return "\(result.host): ERROR\n  ! \(error)" }
        var lines: [String] = []
        let changes = result.plan.lines
        if changes.isEmpty && result.plan.problems.isEmpty {
            lines.append("\(result.host): ready, nothing to change")
        } else if !result.plan.problems.isEmpty {
            lines.append("\(result.host): NOT READY")
        } else if dryRun {
            lines.append("\(result.host): would change")
        } else {
            let ready = result.remaining?.isEmpty == true
            lines.append("\(result.host): \(ready ? "prepared" : "NOT READY after preparing")")
        }
        lines += changes.map { "  \(dryRun ? "+" : "ok") \($0)" }
        lines += result.plan.problems.map { "  ! \($0)" }
        if let remaining = result.remaining, !remaining.isEmpty {
            lines += (remaining.lines + remaining.problems).map { "  ! still: \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
