public import OnionOpsCore
public import OnionOpsHosts

/// Reads what the planner needs from a host in a bounded number of
/// transport calls: the current generation (index, MANIFEST, stored
/// files), one stat of every path the desired state or the inventory
/// names, and each daemon's pid.
public struct SnapshotReader: Sendable {
    public let transport: any HostTransport
    public let supervisor: any DaemonSupervisor

    public init(transport: any HostTransport, supervisor: any DaemonSupervisor) {
        self.transport = transport
        self.supervisor = supervisor
    }

    /// `inventory` overrides the host's current generation as the list of
    /// what may be removed (a rollback passes what it must undo).
    public func read(_ desired: HostDesiredState, inventory: Generation? = nil) async throws(HostError)
        -> HostSnapshot
    {
        var current = inventory
        if current == nil {
            let store = GenerationStore(transport: transport)
            if let number = try await store.index().current {
                current = try await store.load(number)
                if current == nil {
                    throw HostError(
                        host: desired.host, code: .io,
                        message: "generation \(number) on the host does not check out against its MANIFEST")
                }
            }
        }
        let interrupted = try await pending()
        let known = HostSnapshot(host: desired.host, current: current, interrupted: interrupted).inventory
        let paths =
            desired.directories.map(\.path) + desired.files.map(\.path)
            + (known.map { $0.directories.map(\.path) + $0.files.map(\.path) } ?? [])
        let files = try await transport.stat(Array(Set(paths)).sorted())
        var running: [DaemonInstance: Int32] = [:]
        var instances = desired.instances
        for instance in known?.instances ?? [] where !instances.contains(instance) { instances.append(instance) }
        for instance in instances {
            if let pid = try await supervisor.pid(instance) {
                running[instance] = pid
            } else if case .publisher(let balancer, _) = instance,
                case .cannotPublish = try await supervisor.publisherState(balancer: balancer)
            {
                // Offline, Onionbalance exits for want of a consensus; its
                // tor runs. Restarting it would change nothing: count it
                // as running and let status say it cannot publish.
                running[instance] = 0
            }
        }
        return HostSnapshot(
            host: desired.host, files: files, running: running, current: current, interrupted: interrupted)
    }

    /// The state an interrupted apply was moving the host to, if one was.
    func pending() async throws(HostError) -> Generation? {
        guard let data = try await transport.read([Generation.pendingPath])[Generation.pendingPath] else {
            return nil
        }
        guard
            let generation = Generation.parse(
                number: 0, manifest: String(decoding: data, as: UTF8.self), contents: nil)
        else {
            throw HostError(
                host: transport.host, code: .io,
                message: "\(Generation.pendingPath) on the host (left by an interrupted apply) does not parse")
        }
        return generation
    }
}
