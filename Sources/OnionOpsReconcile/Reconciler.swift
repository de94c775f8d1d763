public import OnionOpsCore
import OnionOpsHosts

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
/// part; the others go on.
public struct Reconciler: Sendable {
    public var options: ReconcileOptions
    public var events: @Sendable (ReconcileEvent) -> Void

    public init(options: ReconcileOptions, events: @escaping @Sendable (ReconcileEvent) -> Void = { _ in }) {
        self.options = options
        self.events = events
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
        var sessions: [HostSession] = []
        var reports: [String: HostReport] = [:]
        for entry in opened {
            switch entry {
            case .success(let session): sessions.append(session)
            case .failure(let report): reports[report.host] = report
            }
        }
        sessions = await each(sessions) { session in
            await session.run(.main, events: events)
        }
        // A publisher waits for every backend host of its project.
        let failed = Set(sessions.filter { !$0.isHealthy }.map(\.host.name)).union(reports.keys)
        sessions = await each(sessions) { session in
            guard session.isHealthy, session.machine.hasSteps(from: .publishers) else { return }
            for case .publisher(let balancer, let project) in session.desired.instances
            where session.plan.daemons[.publisher(balancer: balancer, project: project)] != nil
                || session.plan.changes.contains(where: {
                    $0.instance == .publisher(balancer: balancer, project: project)
                })
            {
                let needed = Self.backendHosts(of: project, in: desired)
                if let down = needed.sorted().first(where: { failed.contains($0) }) {
                    await session.rollBack(
                        reason:
                            "\(session.host.name): publisher \(balancer) held: backend host \(down) of \(project) failed",
                        events: events)
                    return
                }
            }
            await session.run(.publishers, events: events)
        }
        sessions = await each(sessions) { session in
            await session.run(.removal, events: events)
        }
        sessions = await each(sessions) { session in
            await session.record(
                commit: options.commit, keep: options.keepGenerations, inputs: options.inputs,
                pruneKeys: options.pruneKeys)
            await session.close()
        }
        for session in sessions {
            reports[session.host.name] = session.report
            events(.finished(session.report))
        }
        return hosts.compactMap { reports[$0.name] }
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
                    let result = await HostSession.open(host: host, desired: state, options: options, dryRun: dryRun)
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

    /// Runs `body` on every session, `parallel` at a time, keeping order.
    private func each(
        _ sessions: [HostSession],
        _ body: @escaping @Sendable (inout HostSession) async -> Void
    ) async -> [HostSession] {
        var results = sessions
        await withTaskGroup(of: (Int, HostSession).self) { group in
            var next = 0
            func addNext() {
                guard next < sessions.count else { return }
                let index = next
                var session = sessions[index]
                next += 1
                group.addTask {
                    await body(&session)
                    return (index, session)
                }
            }
            for _ in 0..<options.parallel { addNext() }
            for await (index, session) in group {
                results[index] = session
                addNext()
            }
        }
        return results
    }
}
