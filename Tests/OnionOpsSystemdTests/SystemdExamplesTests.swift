import Foundation
import OnionOpsTestSupport
import Testing

/// The softmap-4 example (a dedicated publisher and two backend hosts), then
/// hardmap-2 (three replicas) on the same three systemd hosts, as deploy
/// with sudo: the second apply stops and disables every daemon of the
/// first.
@Suite(.serialized, .enabled(if: SystemdWorld.isEnabled, SystemdWorld.disabledReason))
struct SystemdExamplesTests {
    @Test("softmap-4, then hardmap-2, onto three systemd hosts as deploy with sudo; boot-to-applied measured")
    func examples() async throws {
        let bootStarted = Date()
        try await SystemdTestHost.with(
            [("ex-1", 41), ("ex-2", 42), ("ex-3", 43)], sudoers: SudoReconcileTests.sudoers
        ) { hosts in
            let booted = Date().timeIntervalSince(bootStarted)
            let softmap = try SystemdSandbox(
                source: RepositoryPaths.examples.appendingPathComponent("softmap-4"),
                hosts: [("pub-1", hosts[0]), ("edge-1", hosts[1]), ("edge-2", hosts[2])], user: "deploy")
            defer { softmap.remove() }
            let first = try await softmap.reconcile()
            #expect(first.exitCode == 0, "\(first.stdout)\n\(first.stderr)")
            SystemdWorld.report(
                String(
                    format: "three hosts booted in %.1f s, softmap-4 applied in %.1f s: boot to applied %.1f s",
                    booted, first.seconds, Date().timeIntervalSince(bootStarted)))
            let publisher = try await hosts[0].ssh("systemctl list-units 'onionops-*' --no-legend --plain --all")
            #expect(publisher.stdout.contains("onionops-obtor-shop-front.service"), "\(publisher.stdout)")
            #expect(!publisher.stdout.contains("onionops-tor-shop-"), "no backend on pub-1: \(publisher.stdout)")
            let backends = try await hosts[1].ssh("systemctl is-active onionops-tor-shop-1 onionops-tor-shop-2")
            #expect(backends.stdout == "active\nactive\n", "\(backends.stdout)")

            let hardmap = try SystemdSandbox(
                source: RepositoryPaths.examples.appendingPathComponent("hardmap-2"),
                hosts: [("edge-1", hosts[0]), ("edge-2", hosts[1]), ("edge-3", hosts[2])], user: "deploy")
            defer { hardmap.remove() }
            let second = try await hardmap.reconcile()
            SystemdWorld.report(
                String(format: "hardmap-2 over softmap-4: exit %d in %.1f s", second.exitCode, second.seconds))
            #expect(second.exitCode == 0, "\(second.stdout)\n\(second.stderr)")
            for host in hosts {
                let units = try await host.ssh(
                    "systemctl list-unit-files 'onionops-*' --no-legend | awk '{print $1, $2}'")
                #expect(!units.stdout.contains("shop"), "\(host.name) keeps softmap-4's units: \(units.stdout)")
                #expect(units.stdout.contains("onionops-tor-news-1.service enabled"), "\(host.name): \(units.stdout)")
            }
            let status = try await hardmap.onionops(["status", hardmap.manifests])
            #expect(status.exitCode == 0, "\(status.stdout)\n\(status.stderr)")
        }
    }
}
