import ArgumentParser
import OnionOpsCore
import OnionOpsReconcile

/// `onionops status [PATH]`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per host: the applied revision and generation, drift from it, and each daemon's state.",
        discussion: """
            Reads each host named in the manifests (no keys needed): its current generation, whether \
            every managed file is still as applied, and whether tor, nginx and Onionbalance run. \
            A publisher offline (no Tor consensus) is shown as configured but unable to publish.

            Exit codes: 0 every host healthy; 1 a host unreachable or unreadable; 2 a host never \
            applied, drifted, or with a daemon down.
            """
    )

    @OptionGroup var options: ManifestOptions

    @Option(name: .long, help: "Only these hosts (comma-separated names).")
    var hosts: String?

    init() {}

    func run() async throws {
        let set = try await ManifestSet.load(options.path, output: options.output)
        let selection = hosts?.split(separator: ",").map(String.init) ?? []
        let chosen = set.topology.hosts.filter { selection.isEmpty || selection.contains($0.name) }
        var results: [HostHealth] = []
        for host in chosen { results.append(await HostHealth.read(host: host)) }
        switch options.output {
        case .json:
            struct Output: Encodable {
                var formatVersion = JSONOutput.formatVersion
                var hosts: [HostHealth]
            }
            Console.out(JSONOutput.render(Output(hosts: results)))
        case .text:
            Console.out(results.map(Self.text).joined(separator: "\n"))
        }
        if results.contains(where: { !$0.reachable || $0.error != nil }) { throw ExitCode(1) }
        if results.contains(where: { !$0.isHealthy }) { throw ExitCode(2) }
    }

    static func text(_ health: HostHealth) -> String {
        var lines: [String] = []
        let verdict =
            !health.reachable
            ? "UNREACHABLE"
            : health.error != nil
                ? "ERROR"
                : health.generation == nil ? "never applied" : health.isHealthy ? "healthy" : "DEGRADED"
        var head = "\(health.host): \(verdict)"
        if let generation = health.generation, let revision = health.revision {
            head +=
                ", revision \(revision), generation \(generation) (kept: \(health.generations.map(String.init).joined(separator: " ")))"
        }
        lines.append(head)
        if let error = health.error { lines.append("  ! \(error)") }
        if let interrupted = health.interrupted {
            lines.append(
                "  ! an apply of revision \(interrupted) was interrupted (its reconciler stopped mid-way); "
                    + "the next reconcile finishes or undoes it")
        }
        for daemon in health.daemons {
            lines.append("  \(daemon.instance): \(daemon.pid.map { "running (pid \($0))" } ?? daemon.state)")
        }
        for drift in health.drift { lines.append("  drift: \(drift)") }
        for note in health.notes { lines.append("  note: \(note)") }
        return lines.joined(separator: "\n")
    }
}
