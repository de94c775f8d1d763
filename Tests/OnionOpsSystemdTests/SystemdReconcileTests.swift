import Foundation
import OnionOpsTestSupport
import Testing

/// manifests/ (a hardmap and a softmap with its publisher) reconciled onto
/// real systemd hosts over SSH with `supervision` left to `auto`: the path
/// a real Debian server takes.
@Suite(.serialized, .enabled(if: SystemdWorld.isEnabled, SystemdWorld.disabledReason))
struct SystemdReconcileTests {
    @Test(
        "auto supervision picks systemd; every daemon runs as its hardened unit and comes back after a reboot")
    func reconcileAsRoot() async throws {
        try await SystemdTestHost.with([("sd-edge-1", 11), ("sd-edge-2", 12)]) { hosts in
            try await Self.reconcileAsRoot(edge1: hosts[0], edge2: hosts[1])
        }
    }

    static func reconcileAsRoot(edge1: SystemdTestHost, edge2: SystemdTestHost) async throws {
        let sandbox = try SystemdSandbox(
            source: RepositoryPaths.manifests, hosts: [("edge-1", edge1), ("edge-2", edge2)])
        defer { sandbox.remove() }

        let first = try await sandbox.reconcile()
        SystemdWorld.report("first reconcile: exit \(first.exitCode) in \(first.seconds) s")
        #expect(first.exitCode == 0, "\(first.stdout)\n\(first.stderr)")
        if first.exitCode != 0 {
            let journal = try await edge2.ssh("journalctl -b --no-pager -u 'onionops-*' | tail -60")
            SystemdWorld.report("edge-2 journal:\n\(journal.stdout)")
        }
        let units = try await edge2.ssh(
            "systemctl list-units 'onionops-*' --no-legend --plain --all | awk '{print $1, $3, $4}'")
        SystemdWorld.report("edge-2 units:\n\(units.stdout)")
        for unit in [
            "onionops-tor-news-1.service", "onionops-nginx-news.service", "onionops-tor-shop-1.service",
            "onionops-tor-shop-2.service", "onionops-nginx-shop.service", "onionops-obtor-shop-front.service",
        ] {
            #expect(units.stdout.contains("\(unit) active running"), "\(unit): \(units.stdout)")
        }
        try await Self.checkHardening(edge2)

        let second = try await sandbox.reconcile()
        #expect(second.exitCode == 0, "\(second.stderr)")
        SystemdWorld.report("second reconcile: exit \(second.exitCode) in \(second.seconds) s:\n\(second.stdout)")

        // The units are enabled: a reboot brings every daemon back on the
        // recorded generation, with no reconcile.
        let before = try await Self.mainPids(edge2)
        let rebootStarted = Date()
        try await edge2.reboot()
        SystemdWorld.report("edge-2 rebooted in \(Date().timeIntervalSince(rebootStarted)) s")
        let after = try await Self.mainPids(edge2)
        #expect(after.keys.sorted() == before.keys.sorted())
        for (unit, pid) in after { #expect(pid > 0, "\(unit) is not running after the reboot") }
        if after.values.contains(0) {
            let journal = try await edge2.ssh("journalctl -b --no-pager -u 'onionops-*' | tail -40")
            SystemdWorld.report("edge-2 journal after the reboot:\n\(journal.stdout)")
        }
        let status = try await sandbox.onionops(["status", sandbox.manifests])
        SystemdWorld.report("status after the reboot: exit \(status.exitCode)\n\(status.stdout)")
        #expect(status.exitCode == 0, "\(status.stdout)\n\(status.stderr)")
        let drift = try await sandbox.onionops(["drift", sandbox.manifests, "--identity", sandbox.identity])
        SystemdWorld.report("drift after the reboot: exit \(drift.exitCode)\n\(drift.stdout)")
        #expect(drift.exitCode == 0, "\(drift.stdout)\n\(drift.stderr)")
    }

    /// The units' sandbox as systemd reports it, and as it holds inside a
    /// running daemon's mount namespace (entered with nsenter, as root:
    /// even root there cannot write outside ReadWritePaths).
    static func checkHardening(_ host: SystemdTestHost) async throws {
        let shown = try await host.ssh(
            "systemctl show -p NoNewPrivileges -p ProtectSystem -p ProtectHome -p PrivateTmp -p PrivateDevices "
                + "-p CapabilityBoundingSet -p RestrictNamespaces onionops-tor-news-1")
        SystemdWorld.report("tor-news-1 hardening:\n\(shown.stdout)")
        for line in [
            "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
            "CapabilityBoundingSet=", "RestrictNamespaces=yes",
        ] {
            #expect(shown.stdout.split(separator: "\n").contains(Substring(line)), "\(line): \(shown.stdout)")
        }
        let nginxCaps = try await host.ssh("systemctl show -p CapabilityBoundingSet --value onionops-nginx-news")
        #expect(
            nginxCaps.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                == "cap_chown cap_dac_override cap_kill cap_setgid cap_setuid", "\(nginxCaps.stdout)")
        for (unit, inside, outside) in [
            ("onionops-tor-news-1", "/var/lib/onionops/p/news/tor1", "/etc/onionops"),
            ("onionops-nginx-news", "/var/lib/onionops/p/news/nginx", "/var/lib/onionops/p/news/tor1"),
        ] {
            let probe = try await host.ssh(
                "pid=$(systemctl show -p MainPID --value \(unit)); "
                    + "nsenter -t $pid -m -- sh -c 'touch \(inside)/oo-probe && rm \(inside)/oo-probe && echo inside-ok; "
                    + "touch \(outside)/oo-probe 2>&1; ls /home'")
            SystemdWorld.report("\(unit) sandbox probe:\n\(probe.stdout)")
            #expect(probe.stdout.contains("inside-ok"), "\(unit) cannot write its own folder: \(probe.stdout)")
            #expect(
                probe.stdout.contains("\(outside)/oo-probe': Read-only file system"),
                "\(unit) may write \(outside): \(probe.stdout)")
            // /home/deploy exists on the host; the unit sees an empty /home.
            #expect(!probe.stdout.contains("deploy"), "\(unit) sees /home: \(probe.stdout)")
        }
    }

    /// MainPID of every OnionOps unit but Onionbalance's (offline, it
    /// exits and waits to restart).
    static func mainPids(_ host: SystemdTestHost) async throws -> [String: Int] {
        let listed = try await host.ssh(
            "for u in $(systemctl list-unit-files 'onionops-*' --no-legend | awk '{print $1}'); do "
                + "echo \"$u $(systemctl show -p MainPID --value $u)\"; done")
        var pids: [String: Int] = [:]
        for line in listed.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, !fields[0].hasPrefix("onionops-ob-") else { continue }
            pids[String(fields[0])] = Int(fields[1]) ?? 0
        }
        return pids
    }
}
