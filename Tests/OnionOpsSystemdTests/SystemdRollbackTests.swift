import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsReconcile
import OnionOpsSecrets
import OnionOpsTestSupport
import Synchronization
import Testing

/// Fault injection on systemd hosts reached as deploy with sudo, with the
/// same hooks as on direct hosts (FaultInjectionTests): a LOADCONF tor
/// refuses, and the SSH connection cut in the middle of an apply. Each ends
/// with edge-1 back on generation 1: its files as before, every unit on its
/// old main pid, the report "rolled back".
@Suite(.serialized, .enabled(if: SystemdWorld.isEnabled, SystemdWorld.disabledReason))
struct SystemdRollbackTests {
    /// What a rollback must give back on the host: the files the change
    /// touched, the current generation, and the main pid of each unit.
    static func snapshot(_ host: SystemdTestHost, files: [String]) async throws -> String {
        let read = try await host.ssh(
            (files + [Generation.currentPath]).map { "echo \"== \($0)\"; cat \($0)" }.joined(separator: "; ")
                + "; systemctl show -p Id -p MainPID -p ActiveState 'onionops-*' --no-pager")
        try #require(read.exitCode == 0, "\(read.stderr)")
        return read.stdout
    }

    /// Two systemd hosts (edge-1, edge-2 of manifests/) reached as deploy
    /// with sudo, the manifests loaded in this process.
    static func withManifests(
        on indices: (Int, Int),
        _ body: ([SystemdTestHost], SystemdSandbox, Topology, Keyring) async throws -> Void
    ) async throws {
        try await SystemdTestHost.with(
            [("rb-edge-1", indices.0), ("rb-edge-2", indices.1)], sudoers: SudoReconcileTests.sudoers
        ) { hosts in
            let sandbox = try SystemdSandbox(
                source: RepositoryPaths.manifests, hosts: [("edge-1", hosts[0]), ("edge-2", hosts[1])], user: "deploy")
            defer { sandbox.remove() }
            let (topology, keyring) = try await sandbox.load()
            try await body(hosts, sandbox, topology, keyring)
        }
    }

    /// Ends the SSH cut: the container's link up, its sshd listening again.
    static func reconnect(_ host: SystemdTestHost, link: [String]) async {
        _ = try? await Spawn.capture("/usr/sbin/ip", link + ["up"], environment: .inherited, mergeErrors: true)
        _ = try? await host.inside(["systemctl", "start", "ssh.service"])
    }

    static func expectRolledBack(_ reports: [HostReport], failure: String) {
        let edge1 = reports.first { $0.host == "edge-1" }
        #expect(edge1?.status == .rolledBack, "\(edge1?.failure ?? "no report for edge-1")")
        #expect(edge1?.failure?.contains(failure) == true, "\(edge1?.failure ?? "")")
        #expect(ReconcileExit.code(reports) == 3)
    }

    @Test("a torrc that passes verify-config but fails LOADCONF on a systemd host: rolled back, tor keeps its pid")
    func loadConfRefused() async throws {
        try await Self.withManifests(on: (61, 62)) { hosts, sandbox, topology, keyring in
            // Generation 1 without news' second site; the change brings it
            // back, and its new service folder gets a mode tor refuses just
            // before the LOADCONF (verify-config passed on the staged torrc).
            var one = topology
            let news = try #require(one.projects.firstIndex { $0.name == "news" })
            let second = one.projects[news].sites.remove(at: 1)
            let first = try await sandbox.apply(one, keyring: keyring, commit: "one")
            #expect(first.map(\.status) == [.applied, .applied], "\(first.map { $0.failure ?? "" })")

            let torrc = HostLayout.torrc(project: "news", instance: 1)
            let before = try await Self.snapshot(hosts[0], files: [torrc])
            let folder = HostLayout.siteServiceDirectory(
                project: "news", instance: 1, site: try OnionAddress.parse(second.onion).get())
            let edge1 = hosts[0]
            let hooks = ApplyHooks { host, step in
                guard host == "edge-1", case .loadConf(.tor(project: "news", _, _), _) = step else { return }
                _ = try? await edge1.ssh("chmod 0755 \(folder)")
            }
            let reports = try await sandbox.apply(topology, keyring: keyring, hooks: hooks, commit: "two")
            Self.expectRolledBack(reports, failure: "LOADCONF")
            let after = try await Self.snapshot(hosts[0], files: [torrc])
            #expect(after == before, "edge-1 is not as it was:\n\(before)\n---\n\(after)")
            SystemdWorld.report(
                "LOADCONF refused on edge-1: \(reports.first { $0.host == "edge-1" }?.failure ?? "")")
        }
    }

    @Test("the SSH connection cut mid-apply on a systemd host: the rollback waits for the host and restores it")
    func sshCut() async throws {
        try await Self.withManifests(on: (63, 64)) { hosts, sandbox, topology, keyring in
            let first = try await sandbox.apply(topology, keyring: keyring, commit: "one")
            #expect(first.map(\.status) == [.applied, .applied], "\(first.map { $0.failure ?? "" })")

            let config = HostLayout.nginxConfig(project: "news")
            let before = try await Self.snapshot(hosts[0], files: [config])
            var changed = topology
            let news = try #require(changed.projects.firstIndex { $0.name == "news" })
            changed.projects[news].nginx.access.block.paths.append("/media-private")
            // Just before the new nginx config goes live the connection
            // drops and edge-1 is unreachable for 12 s: longer than ssh's
            // 10 s ConnectTimeout (a shorter outage is ridden out by TCP's
            // own retries, and the apply simply succeeds: seen with 1.5 s).
            // The container's end of its pair goes down: the machine's
            // route to it stays (marked linkdown), so nothing is sent
            // anywhere else meanwhile.
            let inside = ["-n", "oo-\(hosts[0].name)", "link", "set", "host0"]
            let edge1 = hosts[0]
            let cut = Mutex(false)
            let hooks = ApplyHooks { host, step in
                guard host == "edge-1", case .swap(let files) = step, files.first?.path == config,
                    cut.withLock({ done in
                        defer { done = true }
                        return !done
                    })
                else { return }
                // sshd stops listening, deploy's sshd sessions die (the
                // controller's shared connection with them), then the link
                // goes down; all from the machine, into the container's
                // namespaces. sshd stops first: when the sessions were
                // killed first, a loaded machine let the controller connect
                // again and take its lock back before the link went down,
                // and the apply simply went through.
                let stopped = try? await edge1.inside(["systemctl", "stop", "ssh.service"])
                let killed = try? await edge1.inside(["pkill", "-KILL", "-u", "deploy", "-x", "sshd"])
                let down = try? await Spawn.capture(
                    "/usr/sbin/ip", inside + ["down"], environment: .inherited, mergeErrors: true)
                SystemdWorld.report(
                    "SSH cut: sshd stopped (exit \(stopped?.exitCode ?? -1)), deploy's sessions killed (exit "
                        + "\(killed?.exitCode ?? -1)), link down (exit \(down?.status ?? -1))")
                Task {
                    try? await Task.sleep(for: .seconds(12))
                    await Self.reconnect(edge1, link: inside)
                }
            }
            let started = Date()
            let reports = try await sandbox.apply(changed, keyring: keyring, hooks: hooks, commit: "two")
            let seconds = Date().timeIntervalSince(started)
            await Self.reconnect(edge1, link: inside)
            #expect(cut.withLock { $0 }, "the hook never cut the connection")
            Self.expectRolledBack(reports, failure: "ssh")
            let report = reports.first { $0.host == "edge-1" }
            // Rolled back means rolled back: no "rollback failed" from an
            // attempt made while the host was away.
            #expect(report?.failure?.contains("rollback failed") == false, "\(report?.failure ?? "")")
            #expect(
                report?.notes.contains { $0.contains("once the host answered again") } == true, "\(report?.notes ?? [])"
            )
            let after = try await Self.snapshot(hosts[0], files: [config])
            #expect(after == before, "edge-1 is not as it was:\n\(before)\n---\n\(after)")
            SystemdWorld.report(
                String(
                    format: "SSH cut on edge-1: rolled back in %.1f s: %@ (%@)", seconds,
                    report?.failure ?? "", report?.notes.joined(separator: "; ") ?? ""))
        }
    }
}
