public import OnionOpsCore
public import OnionOpsHosts

/// Supervises the daemons of an `InMemoryHost`: a start makes a process
/// and writes its pid file where the direct supervisor keeps it (so the
/// host is observed the same way as a real one), a stop ends it, an nginx
/// reload gives the master new workers.
public struct FakeSupervisor: DaemonSupervisor {
    public let memory: InMemoryHost

    public init(host: InMemoryHost) {
        memory = host
    }

    public var kind: Supervision { .direct }

    public func start(_ instance: DaemonInstance) async throws(HostError) -> Int32 {
        try memory.call("start \(instance)")
        let name = memory.name
        return try memory.withState { state throws(HostError) in
            let pidFile = Self.pidFile(of: instance)
            if let pid = Self.pid(in: state, pidFile: pidFile) { return pid }
            guard !state.failingStarts.contains(instance) else {
                throw HostError(host: name, code: .commandFailed, message: "\(instance) would not start (injected)")
            }
            let pid = Self.spawn(&state)
            state.entries[pidFile] = InMemoryHost.Entry(
                content: Array("\(pid)\n".utf8), mode: 0o644, owner: "root", isDirectory: false)
            if case .nginx = instance { state.workers[pid] = [Self.spawn(&state)] }
            return pid
        }
    }

    public func stop(_ instance: DaemonInstance) async throws(HostError) {
        try memory.call("stop \(instance)")
        try memory.withState { state throws(HostError) in
            let pidFile = Self.pidFile(of: instance)
            if let pid = Self.pid(in: state, pidFile: pidFile) {
                state.processes.remove(pid)
                for worker in state.workers.removeValue(forKey: pid) ?? [] { state.processes.remove(worker) }
            }
            state.entries[pidFile] = nil
        }
    }

    public func reload(_ instance: DaemonInstance) async throws(HostError) {
        try memory.call("reload \(instance)")
        let name = memory.name
        try memory.withState { state throws(HostError) in
            guard let pid = Self.pid(in: state, pidFile: Self.pidFile(of: instance)) else {
                throw HostError(host: name, code: .commandFailed, message: "\(instance) is not running: cannot reload")
            }
            if case .nginx = instance {
                for worker in state.workers[pid] ?? [] { state.processes.remove(worker) }
                state.workers[pid] = [Self.spawn(&state)]
            }
        }
    }

    public func pid(_ instance: DaemonInstance) async throws(HostError) -> Int32? {
        try memory.call("pid \(instance)")
        return try memory.withState { state throws(HostError) in
            Self.pid(in: state, pidFile: Self.pidFile(of: instance))
        }
    }

    public func publisherState(balancer: String) async throws(HostError) -> PublisherState {
        try memory.call("publisherState \(balancer)")
        return try memory.withState { state throws(HostError) in
            Self.pid(in: state, pidFile: HostLayout.onionbalancePidFile(balancer: balancer)).map { .running(pid: $0) }
                ?? .stopped
        }
    }

    static func pidFile(of instance: DaemonInstance) -> String {
        switch instance {
        case .tor(let project, let index, _): HostLayout.torPidFile(project: project, instance: index)
        case .nginx(let project): HostLayout.nginxPidFile(project: project)
        case .publisher(let balancer, _): HostLayout.onionbalancePidFile(balancer: balancer)
        }
    }

    static func pid(in state: InMemoryHost.State, pidFile: String) -> Int32? {
        guard let entry = state.entries[pidFile],
            let pid = Int32(String(decoding: entry.content, as: UTF8.self).split(separator: "\n").first ?? "")
        else { return nil }
        return state.processes.contains(pid) ? pid : nil
    }

    static func spawn(_ state: inout InMemoryHost.State) -> Int32 {
        state.nextPid += 1
        state.processes.insert(state.nextPid)
        return state.nextPid
    }
}

/// Connects to in-memory hosts by name; a host with no in-memory twin is
/// unreachable.
public struct InMemoryConnector: HostConnecting {
    public let hosts: [String: InMemoryHost]

    public init(_ hosts: [InMemoryHost]) {
        self.hosts = Dictionary(uniqueKeysWithValues: hosts.map { ($0.name, $0) })
    }

    public func transport(for host: OnionOpsCore.Host) -> any HostTransport {
        (hosts[host.name] ?? InMemoryHost(name: host.name).unreachableTwin).transport
    }

    public func supervisor(for host: OnionOpsCore.Host, transport: any HostTransport) async throws(HostError)
        -> any DaemonSupervisor
    {
        guard let memory = hosts[host.name] else {
            throw HostError(host: host.name, code: .unreachable, message: "\(host.name) has no in-memory host")
        }
        try memory.call("connect")
        return memory.supervisor
    }
}

extension InMemoryHost {
    fileprivate var unreachableTwin: InMemoryHost {
        setUnreachable(true)
        return self
    }
}
