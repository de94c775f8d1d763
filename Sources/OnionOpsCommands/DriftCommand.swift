import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsEngine
import OnionOpsReconcile

/// `onionops drift [PATH]`.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Check every host against the manifests and report drift, for cron and systemd timers.",
        discussion: """
            Observes only: renders what each host should have and compares it with what it has: \
            files (content, mode, owner), folders, and whether each daemon runs. Nothing changes; \
            `onionops reconcile` (or `watch --self-heal`) corrects it.

            TLS certificates that expire within \(TLSSettings.renewalDays) days are warned about, with \
            the onion (or project) and the date; an expired one is an error.

            Exit codes: 0 no drift; 1 error (invalid manifests, unreachable host, an expired \
            certificate); 2 drift found.
            """
    )

    @OptionGroup var options: ManifestOptions
    @OptionGroup var identity: IdentityOptions
    @OptionGroup var source: SourceOptions

    @Option(name: .long, help: "Only these hosts (comma-separated names).")
    var hosts: String?

    init() {}

    struct Finding: Encodable {
        var host: String
        var status: String
        var files: [String]
        var daemons: [String]
        var error: String?
    }

    func run() async throws {
        let revisions = source.source(folder: options.path)
        let snapshot = try await RevisionFetch.latest(revisions)
        let engine = Engine(identity: identity.location)
        let deployment = try await EngineCall.run(snapshot.revision.folder, output: options.output) {
            () async throws(EngineError) -> Deployment in
            try await engine.deployment(snapshot, hosts: HostSelection(commaSeparated: hosts))
        }
        // Drift against an older line of history would report (and a
        // timer's fix would apply) a rollback: refused the same way.
        try await LineageCheck.require(revisions, snapshot, hosts: deployment.hosts)
        let reports = await engine.drift(deployment)
        let findings = reports.map { report in
            Finding(
                host: report.host,
                status: report.status == .changesPending
                    ? "drift" : report.status == .inSync ? "in-sync" : report.status.rawValue,
                files: (report.plan?.directories.map { "folder \($0.path)" } ?? [])
                    + (report.plan?.changes.map { "\($0.kind.rawValue) \($0.path)" } ?? []),
                daemons: (report.plan?.daemons.map { "\($0.value.rawValue) \($0.key)" } ?? []).sorted(),
                error: report.failure
            )
        }
        // The certificates this revision places, from the sealed files
        // the deployment opened: expiring soon, or expired.
        let certificates = CertificateCheck.expiries(deployment)
        switch options.output {
        case .json:
            struct Output: Encodable {
                var formatVersion = JSONOutput.formatVersion
                var revision: String
                var hosts: [Finding]
                var certificates: [Certificate]
            }
            struct Certificate: Encodable {
                var subject: String
                var notValidAfter: String
                var severity: String
                var message: String
            }
            Console.out(
                JSONOutput.render(
                    Output(
                        revision: deployment.revision, hosts: findings,
                        certificates: certificates.map {
                            Certificate(
                                subject: $0.subject,
                                notValidAfter: ISO8601DateFormatter().string(from: $0.notValidAfter),
                                severity: $0.severity.rawValue, message: $0.description)
                        })))
        case .text:
            var lines: [String] = []
            for finding in findings {
                lines.append("\(finding.host): \(finding.status)")
                if let error = finding.error { lines.append("  ! \(error)") }
                for file in finding.files { lines.append("  \(file)") }
                for daemon in finding.daemons { lines.append("  \(daemon) (not as it should be)") }
            }
            for certificate in certificates { lines.append("\(certificate.severity.rawValue): \(certificate)") }
            Console.out(lines.joined(separator: "\n"))
        }
        // An expired certificate is an error, as an unreachable host is;
        // one expiring soon only warns.
        if certificates.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
        throw ExitCode(ReconcileExit.dryRunCode(reports))
    }
}
