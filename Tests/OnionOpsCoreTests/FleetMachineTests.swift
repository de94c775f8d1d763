import OnionOpsCore
import Testing

/// The cross-host phases, without hosts: each test drives the machine with
/// scripted outcomes and checks what it hands out next.
@Suite("the fleet machine: phases across hosts")
struct FleetMachineTests {
    static let all: Set<ApplyPhase> = [.main, .publishers, .removal]

    /// Two backend hosts and a publisher host that needs both.
    static func softmap() -> [FleetMachine.Member] {
        [
            .init(host: "b1", phases: [.main, .removal]),
            .init(host: "b2", phases: [.main]),
            .init(
                host: "pub", phases: all,
                publishers: [.init(balancer: "front", project: "shop", backendHosts: ["b1", "b2"])]),
        ]
    }

    /// Runs the machine to the end, one task at a time, answering each
    /// task with `outcome` (success by default); the tasks in order.
    static func drive(
        _ machine: inout FleetMachine,
        outcome: (FleetMachine.Task) -> FleetMachine.Outcome = { _ in .succeeded }
    ) -> [FleetMachine.Task] {
        var tasks: [FleetMachine.Task] = []
        while let task = machine.next() {
            tasks.append(task)
            machine.finished(task, outcome(task))
        }
        return tasks
    }

    @Test("main everywhere, then publishers, then removals, then every healthy host records")
    func order() {
        var machine = FleetMachine(members: Self.softmap())
        let tasks = Self.drive(&machine)
        #expect(
            tasks == [
                .run(host: "b1", phase: .main), .run(host: "b2", phase: .main), .run(host: "pub", phase: .main),
                .run(host: "pub", phase: .publishers),
                .run(host: "b1", phase: .removal), .run(host: "pub", phase: .removal),
                .record(host: "b1"), .record(host: "b2"), .record(host: "pub"),
            ])
        #expect(machine.isFinished)
        #expect(machine.failedHosts.isEmpty)
    }

    @Test("no publisher step starts before every host's main part has reported")
    func stageBarrier() {
        var machine = FleetMachine(members: Self.softmap())
        let first = [machine.next(), machine.next(), machine.next()].compactMap { $0 }
        #expect(first.count == 3)
        // Two of three reported: the stage is not over.
        machine.finished(first[0], .succeeded)
        machine.finished(first[1], .succeeded)
        #expect(machine.next() == nil)
        #expect(machine.stage == .main)
        machine.finished(first[2], .succeeded)
        #expect(machine.next() == .run(host: "pub", phase: .publishers))
    }

    @Test("a failed step queues that host's rollback at once; the others go on")
    func failureRollsBack() {
        var machine = FleetMachine(members: Self.softmap())
        let tasks = Self.drive(&machine) { task in
            task == .run(host: "b1", phase: .removal) ? .failed("rm: busy") : .succeeded
        }
        let failedAt = tasks.firstIndex(of: .run(host: "b1", phase: .removal))
        #expect(failedAt.map { tasks[$0 + 1] } == .rollBack(host: "b1", reason: "rm: busy"))
        #expect(!tasks.contains(.record(host: "b1")))
        #expect(tasks.contains(.record(host: "pub")))
        #expect(machine.states["b1"] == .rolledBack("rm: busy"))
    }

    @Test("a publisher whose backend host failed is held and its host rolled back, not published")
    func publisherHold() {
        var machine = FleetMachine(members: Self.softmap())
        let tasks = Self.drive(&machine) { task in
            task == .run(host: "b2", phase: .main) ? .failed("nginx -t") : .succeeded
        }
        #expect(!tasks.contains(.run(host: "pub", phase: .publishers)))
        let hold = "pub: publisher front held: backend host b2 of shop failed"
        #expect(tasks.contains(.rollBack(host: "pub", reason: hold)))
        #expect(!tasks.contains(.run(host: "pub", phase: .removal)))
        #expect(!tasks.contains(.record(host: "pub")))
        #expect(tasks.contains(.record(host: "b1")))
        #expect(machine.states["pub"] == .rolledBack(hold))
    }

    @Test("a backend host that could not even be opened holds the publisher too")
    func unavailableBackend() {
        var machine = FleetMachine(
            members: Self.softmap().filter { $0.host != "b2" }, unavailable: ["b2": "unreachable"])
        let tasks = Self.drive(&machine)
        #expect(!tasks.contains(.run(host: "pub", phase: .publishers)))
        #expect(tasks.contains { if case .rollBack("pub", _) = $0 { true } else { false } })
        #expect(machine.failedHosts == ["b2", "pub"])
    }

    @Test("a publisher host whose own main part failed is rolled back once, never held again")
    func publisherHostFails() {
        var machine = FleetMachine(members: Self.softmap())
        let tasks = Self.drive(&machine) { task in
            task == .run(host: "pub", phase: .main) ? .failed("tor --verify-config") : .succeeded
        }
        #expect(tasks.filter { $0.host == "pub" }.count == 2)
        #expect(machine.states["pub"] == .rolledBack("tor --verify-config"))
    }

    @Test("a failed rollback and a stopped host are final")
    func finalStates() {
        var machine = FleetMachine(members: Self.softmap())
        _ = Self.drive(&machine) { task in
            switch task {
            case .run(host: "b1", phase: .main): .failed("swap")
            case .rollBack(host: "b1", _): .failed("unreachable")
            case .run(host: "b2", phase: .main): .stopped("lock lost")
            default: .succeeded
            }
        }
        #expect(machine.states["b1"] == .rollbackFailed("swap; rollback failed: unreachable"))
        #expect(machine.states["b2"] == .failed("lock lost"))
        #expect(!machine.history.contains(.rollBack(host: "b2", reason: "lock lost")))
    }

    @Test("a rollback's own run: every phase in order, no record, a failure stops it without a second rollback")
    func rollbackPolicy() {
        var machine = FleetMachine(members: [.init(host: "h", phases: Self.all)], policy: .rollback)
        #expect(
            Self.drive(&machine) == [
                .run(host: "h", phase: .main), .run(host: "h", phase: .publishers), .run(host: "h", phase: .removal),
            ])
        var failing = FleetMachine(members: [.init(host: "h", phases: Self.all)], policy: .rollback)
        let tasks = Self.drive(&failing) { $0 == .run(host: "h", phase: .main) ? .failed("start") : .succeeded }
        #expect(tasks == [.run(host: "h", phase: .main)])
        #expect(failing.states["h"] == .failed("start"))
    }

    @Test("hosts with nothing to run still record; an empty fleet finishes at once")
    func emptyPrograms() {
        var machine = FleetMachine(members: [.init(host: "quiet", phases: [])])
        #expect(Self.drive(&machine) == [.record(host: "quiet")])
        var empty = FleetMachine(members: [])
        #expect(empty.next() == nil)
        #expect(empty.isFinished)
    }

    @Test("a host has one task out at a time")
    func oneTaskPerHost() {
        var machine = FleetMachine(members: [.init(host: "h", phases: Self.all)])
        let task = machine.next()
        #expect(task == .run(host: "h", phase: .main))
        #expect(machine.next() == nil)
    }
}
