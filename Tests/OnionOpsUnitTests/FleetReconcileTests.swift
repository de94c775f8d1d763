import OnionOpsCore
import OnionOpsHosts
import OnionOpsReconcile
import OnionOpsTestSupport
import Synchronization
import Testing

/// The reconciler across hosts, over in-memory hosts: what users rely on
/// when one host of a softmap fails.
@Suite("reconciling in-memory hosts")
struct FleetReconcileTests {
    @Test("every host's main part before any publisher step, and removals after")
    func phaseOrder() async throws {
        let fleet = FakeFleet()
        let log = EventLog()
        let reports = await fleet.apply(FakeFleet.desired(), log: log)
        #expect(reports.map(\.status) == [.applied, .applied, .applied], "\(reports.map { $0.failure ?? "" })")
        let lastMain = try #require(log.last("check tor-shop-1"))
        let firstPublisher = try #require(log.first("pub: stage"))
        #expect(lastMain < firstPublisher, "\(log.all)")
        for name in ["b1", "b2", "pub"] {
            #expect(fleet[name].text(Generation.currentPath)?.hasPrefix("1") == true, "\(name) recorded")
        }
        #expect(fleet["pub"].text(HostLayout.onionbalancePidFile(balancer: "front")) != nil)

        // b2 leaves: its daemons stop only after the publisher took the
        // new config.
        let shrunk = FakeFleet.desired(backends: ["b1"])
        let second = EventLog()
        var without = shrunk
        without.hosts.append(HostDesiredState(host: "b2", root: "/", instances: [], directories: [], files: []))
        _ = await fleet.apply(without, commit: "two", log: second)
        let stop = try #require(second.first("b2: stop"))
        if let publisher = second.last("pub: ") { #expect(publisher < stop, "\(second.all)") }
        #expect(fleet["b2"].livePids.isEmpty)
    }

    @Test("a backend host that fails holds the publisher: its host is rolled back and never publishes")
    func publisherHold() async throws {
        let fleet = FakeFleet()
        fleet["b2"].failCommands(containing: "--verify-config")
        let log = EventLog()
        let reports = await fleet.apply(FakeFleet.desired(), log: log)
        let byHost = Dictionary(uniqueKeysWithValues: reports.map { ($0.host, $0) })
        #expect(byHost["b1"]?.status == .applied)
        #expect(byHost["b2"]?.status == .rolledBack)
        #expect(byHost["pub"]?.status == .rolledBack)
        #expect(byHost["pub"]?.failure?.contains("publisher front held: backend host b2 of shop failed") == true)
        #expect(log.first("pub: start ob-front") == nil, "\(log.all)")
        #expect(fleet["pub"].livePids.isEmpty)
        #expect(fleet["pub"].text(HostLayout.publisherConfig(balancer: "front")) == nil)
    }

    @Test("an unreachable backend host holds the publisher too; the others apply")
    func unreachableBackend() async {
        let fleet = FakeFleet()
        fleet["b1"].setUnreachable(true)
        let reports = await fleet.apply(FakeFleet.desired())
        #expect(reports.map(\.status) == [.unreachable, .applied, .rolledBack])
    }

    /// A fleet on its first generation, and shop's nginx config on b1 then.
    static func firstGeneration() async -> (fleet: FakeFleet, config: String, before: String?) {
        let fleet = FakeFleet()
        _ = await fleet.apply(FakeFleet.desired())
        let config = HostLayout.nginxConfig(project: "shop")
        return (fleet, config, fleet["b1"].text(config))
    }

    @Test(
        "a host that stops answering mid-apply: the rollback tries again after each pause, and goes through once the host answers",
        arguments: [5, nil])
    func rollbackWaitsForTheHost(answersAgainAfter failedAttempts: Int?) async throws {
        let (fleet, config, before) = await Self.firstGeneration()
        let b1 = fleet["b1"]
        let hooks = ApplyHooks { host, step in
            if host == "b1", case .checkNginx = step { b1.setUnreachable(true) }
        }
        // The first event starts the rollback; each later one follows a
        // failed attempt, before its pause.
        let events = Mutex(0)
        let pauses: [Duration] = Array(repeating: .zero, count: 5)
        let reports = await fleet.apply(
            FakeFleet.desired(nginx: "events {}\nhttp {}\n"), commit: "two", hooks: hooks, rollbackPauses: pauses,
            onRollback: { host in
                guard host == "b1" else { return }
                let failed = events.withLock { count in
                    count += 1
                    return count - 1
                }
                if failed == failedAttempts { b1.heal() }
            })
        let report = try #require(reports.first { $0.host == "b1" })
        if let failedAttempts {
            #expect(report.status == .rolledBack, "\(report.failure ?? "")")
            #expect(report.notes.contains("rolled back on attempt \(failedAttempts + 1), once the host answered again"))
            #expect(fleet["b1"].text(config) == before)
        } else {
            // One attempt, then one after each pause; then left to a person.
            #expect(report.status == .rollbackFailed)
            #expect(events.withLock { $0 } == 1 + pauses.count)
        }
    }

    @Test(
        "a host that drops its connection and its lock mid-apply: the rollback waits until the lock is taken again, and never changes the host without it"
    )
    func rollbackWaitsForTheLock() async throws {
        let (fleet, config, before) = await Self.firstGeneration()
        let b1 = fleet["b1"]
        let unlockedBefore = b1.changesWithoutLock
        let hooks = ApplyHooks { host, step in
            guard host == "b1", case .checkNginx = step else { return }
            b1.loseLock()
            b1.setUnreachable(true)
        }
        // Two attempts find the host away (the first also finds the lock
        // gone); it answers before the third.
        let events = Mutex(0)
        let reports = await fleet.apply(
            FakeFleet.desired(nginx: "events {}\nhttp {}\n"), commit: "two", hooks: hooks,
            rollbackPauses: Array(repeating: .zero, count: 5),
            onRollback: { host in
                guard host == "b1" else { return }
                let seen = events.withLock { count in
                    count += 1
                    return count
                }
                if seen == 2 { b1.heal() }
            })
        let report = try #require(reports.first { $0.host == "b1" })
        #expect(report.status == .rolledBack, "\(report.failure ?? "")")
        #expect(report.notes.contains { $0.contains("taken again") }, "\(report.notes)")
        #expect(
            b1.changesWithoutLock == unlockedBefore,
            "changed without the lock: \(b1.changesWithoutLock.dropFirst(unlockedBefore.count))")
        #expect(b1.text(config) == before)
    }

    @Test("a step that fails rolls its host back to the previous generation; the rest go on")
    func rollbackRestores() async throws {
        let (fleet, config, before) = await Self.firstGeneration()
        // nginx on b1 stops answering after the reload; the rollback finds
        // it answering again on the old config.
        let b1 = fleet["b1"]
        let hooks = ApplyHooks { host, step in
            if host == "b1", case .checkNginx = step { b1.failCommands(containing: "onionops-health") }
        }
        let reports = await fleet.apply(
            FakeFleet.desired(nginx: "events {}\nhttp {}\n"), commit: "two", hooks: hooks,
            onRollback: { host in if host == "b1" { b1.heal() } })
        #expect(reports.map(\.status) == [.rolledBack, .applied, .inSync], "\(reports.map { $0.failure ?? "" })")
        #expect(fleet["b1"].text(config) == before)
        #expect(fleet["b2"].text(config) == "events {}\nhttp {}\n")
        #expect(fleet["b1"].text(Generation.currentPath)?.hasPrefix("1") == true)
        #expect(fleet["b1"].text(Generation.pendingPath) == nil)
        #expect(reports[0].steps.contains { $0.hasPrefix("rollback: swap in \(config)") })
    }

    @Test("a daemon that will not start on a new host: the rollback leaves nothing of the apply behind")
    func failedStart() async {
        let fleet = FakeFleet()
        fleet["b1"].failStart(of: .tor(project: "shop", index: 1, mode: .softmap))
        let reports = await fleet.apply(FakeFleet.desired())
        #expect(reports.first?.status == .rolledBack)
        #expect(fleet["b1"].livePids.isEmpty)
        #expect(fleet["b1"].text(HostLayout.nginxConfig(project: "shop")) == nil)
        #expect(fleet["b1"].text(Generation.pendingPath) == nil)
    }

    @Test("plan changes nothing on any host")
    func planIsReadOnly() async {
        let fleet = FakeFleet()
        let reports = await Reconciler(options: ReconcileOptions(commit: "one"), connector: fleet.connector)
            .plan(FakeFleet.desired(), hosts: fleet.hosts)
        #expect(reports.map(\.status) == [.changesPending, .changesPending, .changesPending])
        #expect(fleet["b1"].paths.isEmpty)
        #expect(!fleet["b1"].calls.contains("apply"))
    }
}
