import ArgumentParser
import OnionOpsCore
import OnionOpsEngine
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
        let snapshot = await RevisionFetch.folder(options.path)
        let engine = Engine.keyless
        let (chosen, results) = try await EngineCall.run(options.path, output: options.output) {
            () async throws(EngineError) -> ([Host], [HostHealth]) in
            try await engine.status(snapshot, hosts: HostSelection(commaSeparated: hosts))
        }
        let testHosts = Dictionary(
            chosen.map { ($0.name, TopologySummary.testMark(testHost: $0.testHost, options: $0.testingTorOptions)) },
            uniquingKeysWith: { first, _ in first })
        switch options.output {
        case .json:
            struct Output: Encodable {
                var formatVersion = JSONOutput.formatVersion
                var hosts: [Entry]
            }
            Console.out(
                JSONOutput.render(
                    Output(hosts: results.map { Entry(health: $0, testHost: testHosts[$0.host]?.isEmpty == false) })))
        case .text:
            Console.out(
                results.map { Self.text($0, testMark: testHosts[$0.host] ?? "") }.joined(separator: "\n"))
        }
        if results.contains(where: { !$0.reachable || $0.error != nil }) { throw ExitCode(1) }
        if results.contains(where: { !$0.isHealthy }) { throw ExitCode(2) }
    }

    /// A host's health with its `testHost` mark beside the health fields.
    struct Entry: Encodable {
        var health: HostHealth
        var testHost: Bool

        enum CodingKeys: String, CodingKey { case testHost }

        func encode(to encoder: any Encoder) throws {
            try health.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(testHost, forKey: .testHost)
        }
    }

    static func text(_ health: HostHealth, testMark: String = "") -> String {
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
        lines.append(head + testMark)
        if let error = health.error { lines.append("  ! \(error)") }
        if let lock = health.lock?.summary { lines.append("  lock: \(lock)") }
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
        for certificate in health.certificates {
            lines.append("  \(certificate.contains(" expired ") ? "error" : "warning"): \(certificate)")
        }
        return lines.joined(separator: "\n")
    }
}
