public import OnionOpsCore
public import OnionOpsHosts

/// Brings hosts to their desired state, in parallel up to a limit, phase
/// by phase across hosts:
///
/// 1. every host's main part (folders and keys, nginx, tor instances);
/// 2. publishers, on each publisher host whose balancer's backend hosts
///    all came through step 1; if one failed, the publisher host is rolled
///    back too, so publishers stay on their old config;
/// 3. removals (stopped daemons, deleted files), after the publishers have
///    dropped the backends that go;
/// 4. each changed host records its new generation.
///
/// A host that fails a gate is rolled back at once and takes no further
/// part; the others go on. The order, the holds and the rollbacks are
/// decided by `FleetMachine`; this drives it over the hosts.
public struct Reconciler: Sendable {
    public var options: ReconcileOptions
    public var events: @Sendable (ReconcileEvent) -> Void
    /// How hosts are reached (tests: in-memory hosts).
    public var connector: any HostConnecting

    public init(
        options: ReconcileOptions,
        events: @escaping @Sendable (ReconcileEvent) -> Void = { _ in },
        connector: any HostConnecting = .system
    ) {
        self.options = options
        self.events = events
        self.connector = ObservedConnector(base: connector, events: events)
        // Blocking host work (local file batches, socket exchanges) gets
        // a thread per host in flight, if this comes before its first use.
        BlockingPool.sizeShared(threads: options.parallel)
    }

    /// Observes and plans only: nothing on any host changes.
    public func plan(_ desired: DesiredState, hosts: [Host]) async -> [HostReport] {
        let sessions = await open(desired, hosts: hosts, dryRun: true)
        var reports: [HostReport] = []
        for entry in sessions {
            switch entry {
            case .success(var session):
                await session.readOldContents()
                reports.append(session.report)
            case .failure(let report):
                reports.append(report)
            }
        }
        return reports
    }

    /// Applies the desired state to `hosts`.
    public func apply(_ desired: DesiredState, hosts: [Host]) async -> [HostReport] {
        let opened = await open(desired, hosts: hosts, dryRun: false)
        var sessions: [String: HostSession] = [:]
        var reports: [String: HostReport] = [:]
        var members: [FleetMachine.Member] = []
        for entry in opened {
            switch entry {
            case .success(let session):
                sessions[session.host.name] = session
                members.append(
                    FleetMachine.Member(
                        program: session.machine.program, publishers: Self.publishers(of: session, in: desired)))
            case .failure(let report):
                reports[report.host] = report
            }
        }
        var machine = FleetMachine(
            members: members, unavailable: reports.mapValues { $0.failure ?? $0.status.rawValue })
        await drive(&machine, &sessions)
        for session in await close(sessions) {
            reports[session.host.name] = session.report
            events(.finished(session.report))
        }
        return hosts.compactMap { reports[$0.name] }
    }

    /// Releases every session's lock, `parallel` at a time.
    private func close(_ sessions: [String: HostSession]) async -> [HostSession] {
        var closed: [HostSession] = []
        await withTaskGroup(of: HostSession.self) { group in
            var pending = sessions.values.sorted { $0.host.name < $1.host.name }.makeIterator()
            func addNext() {
                guard var session = pending.next() else { return }
                group.addTask {
                    await session.close()
                    return session
                }
            }
            for _ in 0..<options.parallel { addNext() }
            for await session in group {
                closed.append(session)
                addNext()
            }
        }
        return closed
    }

    /// The publishers a session changes or starts, each with the hosts
    /// whose tor instances of its project it needs.
    static func publishers(of session: HostSession, in desired: DesiredState) -> [FleetMachine.PublisherNeed] {
        session.desired.instances.compactMap { instance in
            guard case .publisher(let balancer, let project) = instance,
                session.plan.daemons[instance] != nil
                    || session.plan.changes.contains(where: { $0.instance == instance })
            else { return nil }
            return FleetMachine.PublisherNeed(
                balancer: balancer, project: project, backendHosts: backendHosts(of: project, in: desired))
        }
    }

    /// Runs the machine's tasks, `parallel` hosts at a time, until it is
    /// finished. A host's session is out of `sessions` while a task of it
    /// runs; the machine gives each host one task at a time.
    private func drive(_ machine: inout FleetMachine, _ sessions: inout [String: HostSession]) async {
        let options = options
        let events = events
        await withTaskGroup(of: (FleetMachine.Task, HostSession, FleetMachine.Outcome).self) { group in
            var running = 0
            while true {
                while running < options.parallel, let task = machine.next() {
                    guard var session = sessions.removeValue(forKey: task.host) else {
                        machine.finished(task, .stopped("\(task.host) has no session"))
                        continue
                    }
                    running += 1
                    group.addTask {
                        let outcome: FleetMachine.Outcome
                        switch task {
                        case .run(_, let phase):
                            outcome = await session.run(phase, events: events)
                        case .rollBack(_, let reason):
                            outcome = await session.rollBack(reason: reason, events: events)
                        case .record:
                            outcome = await session.record(
                                commit: options.commit, keep: options.keepGenerations, inputs: options.inputs,
                                pruneKeys: options.pruneKeys)
                        }
                        return (task, session, outcome)
                    }
                }
                guard let (task, session, outcome) = await group.next() else { break }
                running -= 1
                sessions[task.host] = session
                machine.finished(task, outcome)
            }
        }
    }

    /// Hosts that run a tor instance of `project` (its backends, for a
    /// softmap).
    static func backendHosts(of project: String, in desired: DesiredState) -> Set<String> {
        Set(
            desired.hosts.filter { host in
                host.instances.contains {
                    if case .tor(let name, _, _) = $0 { return name == project }
                    return false
                }
            }.map(\.host))
    }

    private func open(_ desired: DesiredState, hosts: [Host], dryRun: Bool) async -> [HostSession.Opening] {
        let options = options
        let connector = connector
        let events = events
        var results: [String: HostSession.Opening] = [:]
        await withTaskGroup(of: (String, HostSession.Opening).self) { group in
            var iterator = hosts.makeIterator()
            func addNext() {
                guard let host = iterator.next() else { return }
                let state =
                    desired.host(named: host.name)
                    ?? HostDesiredState(
                        host: host.name, root: host.connection.root, instances: [], directories: [], files: [])
                group.addTask {
                    let result = await HostSession.open(
                        host: host, desired: state, options: options, dryRun: dryRun, connector: connector)
                    if case .success(let session) = result { events(.planned(host: host.name, plan: session.plan)) }
                    return (host.name, result)
                }
            }
            for _ in 0..<options.parallel { addNext() }
            for await (name, result) in group {
                results[name] = result
                addNext()
            }
        }
        return hosts.compactMap { results[$0.name] }
    }
}
