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
            let before = try await Self.applyGenerationOne(topology, on: hosts[0], sandbox: sandbox, keyring: keyring)

            let cut = try await Self.applyCut(
                Self.changed(topology), on: hosts[0], sandbox: sandbox, keyring: keyring, linkFirst: false)
            Self.expectRolledBack(cut.reports, failure: "ssh")
            let report = cut.reports.first { $0.host == "edge-1" }
            // Rolled back means rolled back: no "rollback failed" from an
            // attempt made while the host was away.
            #expect(report?.failure?.contains("rollback failed") == false, "\(report?.failure ?? "")")
            #expect(
                report?.notes.contains { $0.contains("once the host answered again") } == true, "\(report?.notes ?? [])"
            )
            try await Self.expectUnchanged(hosts[0], since: before)
            SystemdWorld.report(
                String(
                    format: "SSH cut on edge-1: rolled back in %.1f s: %@ (%@)", cut.seconds,
                    report?.failure ?? "", report?.notes.joined(separator: "; ") ?? ""))
        }
    }

    @Test(
        "the link drops mid-apply before the host can close the connection: the swap, sent again by ssh once the link is back, is refused for want of the lock; rolled back"
    )
    func silentDrop() async throws {
        try await Self.withManifests(on: (65, 66)) { hosts, sandbox, topology, keyring in
            let before = try await Self.applyGenerationOne(topology, on: hosts[0], sandbox: sandbox, keyring: keyring)

            // The host's end of the connection dies while the link is
            // down, so the controller never hears of it: the swap's request
            // waits in the shared connection until the link is back, is
            // refused then, and ssh opens a connection of its own, which
            // works. The lock died with the old connection, so the host
            // refuses the swap (LockFence); the run takes the lock again
            // (nobody acted on the host meanwhile) and rolls back.
            let changed = try Self.changed(topology)
            let cut = try await Self.applyCut(
                changed, on: hosts[0], sandbox: sandbox, keyring: keyring, linkFirst: true)
            let report = try #require(cut.reports.first { $0.host == "edge-1" })
            #expect(report.status == .rolledBack, "\(report.failure ?? "")")
            // The holder on the host read the end of its input when its
            // session died, and cleared its record as it left.
            #expect(
                report.failure?.contains("the host lock at /var/lib/onionops/lock no longer holds this run's record")
                    == true, "\(report.failure ?? "")")
            #expect(
                report.notes.contains { $0.contains("the host lock was lost") && $0.contains("taken again") },
                "\(report.notes)")
            try await Self.expectUnchanged(hosts[0], since: before)
            // The change goes on at the next run.
            let again = try await sandbox.apply(changed, keyring: keyring, commit: "two")
            #expect(again.map(\.status) == [.applied, .inSync], "\(again.map { $0.failure ?? "" })")
            SystemdWorld.report(
                String(
                    format: "link dropped silently on edge-1: rolled back in %.1f s: %@ (%@)", cut.seconds,
                    report.failure ?? "", report.notes.joined(separator: "; ")))
        }
    }

    /// The SSH tests' generation 1 (the manifests as they are) on both
    /// hosts, and what `edge1` then has of what the change touches.
    static func applyGenerationOne(
        _ topology: Topology, on edge1: SystemdTestHost, sandbox: SystemdSandbox, keyring: Keyring
    ) async throws -> String {
        let first = try await sandbox.apply(topology, keyring: keyring, commit: "one")
        #expect(first.map(\.status) == [.applied, .applied], "\(first.map { $0.failure ?? "" })")
        return try await snapshot(edge1, files: [HostLayout.nginxConfig(project: "news")])
    }

    /// `edge1` has what it had at `before` (`applyGenerationOne`).
    static func expectUnchanged(_ edge1: SystemdTestHost, since before: String) async throws {
        let after = try await snapshot(edge1, files: [HostLayout.nginxConfig(project: "news")])
        #expect(after == before, "edge-1 is not as it was:\n\(before)\n---\n\(after)")
    }

    /// The change both SSH tests apply: news blocks one more path, so
    /// only its nginx config changes.
    static func changed(_ topology: Topology) throws -> Topology {
        var changed = topology
        let news = try #require(changed.projects.firstIndex { $0.name == "news" })
        changed.projects[news].nginx.access.block.paths.append("/media-private")
        return changed
    }

    /// Applies `changed`, cutting `host` (edge-1) off for 12 s just
    /// before its new nginx config goes live: longer than ssh's 10 s
    /// ConnectTimeout (a shorter outage is ridden out by TCP's own
    /// retries, and the apply simply succeeds: seen with 1.5 s). The
    /// container's end of its pair goes down: the machine's route to it
    /// stays (marked linkdown), so nothing is sent anywhere else
    /// meanwhile. Everything is done from the machine, into the
    /// container's namespaces.
    ///
    /// Without `linkFirst`, sshd stops listening, deploy's sshd sessions
    /// die, and the link goes down only once the controller has seen its
    /// connection close: a dropped connection the controller is told of.
    /// (sshd stops first: when the sessions were killed first, a loaded
    /// machine let the controller connect again and take its lock back
    /// before the link went down. And when the link went down before the
    /// sessions' close had left the host, the controller never heard of
    /// it: that is `linkFirst`.) With `linkFirst`, the link goes down
    /// first, then sshd and the sessions.
    static func applyCut(
        _ changed: Topology, on host: SystemdTestHost, sandbox: SystemdSandbox, keyring: Keyring, linkFirst: Bool
    ) async throws -> (reports: [HostReport], seconds: Double) {
        let config = HostLayout.nginxConfig(project: "news")
        let inside = ["-n", "oo-\(host.name)", "link", "set", "host0"]
        let cut = Mutex(false)
        // What happened on edge-1 and when, said if the outcome is not the
        // one expected.
        let started = Date()
        let timeline = Mutex<[String]>([])
        let mark: @Sendable (String) -> Void = { line in
            timeline.withLock { $0.append(String(format: "%6.2f s  %@", Date().timeIntervalSince(started), line)) }
        }
        let events: @Sendable (ReconcileEvent) -> Void = { event in
            switch event {
            case .stepStarted("edge-1", _, let step): mark("started \(step)")
            case .stepFinished("edge-1", let step, let failure, _): mark("finished \(step): \(failure ?? "ok")")
            case .rollingBack("edge-1", let reason): mark("rolling back: \(reason)")
            default: break
            }
        }
        let linkDown: @Sendable () async -> Int32 = {
            mark("cut: link down")
            let down = try? await Spawn.capture(
                "/usr/sbin/ip", inside + ["down"], environment: .inherited, mergeErrors: true)
            return down?.status ?? -1
        }
        let hooks = ApplyHooks { name, step in
            guard name == "edge-1", case .swap(let files) = step, files.first?.path == config,
                cut.withLock({ done in
                    defer { done = true }
                    return !done
                })
            else { return }
            var down: Int32 = -1
            if linkFirst { down = await linkDown() }
            mark("cut: stopping sshd")
            let stopped = try? await host.inside(["systemctl", "stop", "ssh.service"])
            mark("cut: killing deploy's sessions")
            let killed = try? await host.inside(["pkill", "-KILL", "-u", "deploy", "-x", "sshd"])
            if !linkFirst {
                let closed = await Self.waitForClose(of: host.address, within: .seconds(10))
                mark("cut: the controller's connections " + (closed ? "closed" : "still open after 10 s"))
                down = await linkDown()
            }
            SystemdWorld.report(
                "SSH cut: sshd stopped (exit \(stopped?.exitCode ?? -1)), deploy's sessions killed (exit "
                    + "\(killed?.exitCode ?? -1)), link down (exit \(down))")
            Task {
                try? await Task.sleep(for: .seconds(12))
                await Self.reconnect(host, link: inside)
                mark("link up, sshd started")
            }
        }
        let reports = try await sandbox.apply(changed, keyring: keyring, hooks: hooks, commit: "two", events: events)
        let seconds = Date().timeIntervalSince(started)
        await Self.reconnect(host, link: inside)
        #expect(cut.withLock { $0 }, "the hook never cut the connection")
        if reports.first(where: { $0.host == "edge-1" })?.status != .rolledBack {
            SystemdWorld.report(
                "edge-1 did not end rolled back; what happened:\n"
                    + timeline.withLock { $0 }.joined(separator: "\n"))
        }
        return (reports, seconds)
    }

    /// Waits until the machine holds no established TCP connection to
    /// `address`'s port 22: the host's close reached the controller.
    static func waitForClose(of address: String, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let open = try? await Spawn.capture(
                "/usr/bin/ss", ["-Htn", "state", "established", "dst", address, "dport", "=", ":22"],
                environment: .inherited, mergeErrors: true)
            if let open, open.status == 0, open.stdout.isEmpty { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
