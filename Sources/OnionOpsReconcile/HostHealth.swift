public import OnionOpsCore
public import OnionOpsHosts

/// What `onionops status` says about one host: the revision and generation
/// it runs, whether its files are still as applied, and whether each of
/// its daemons runs.
public struct HostHealth: Sendable, Encodable {
    public struct Daemon: Sendable, Encodable {
        public var instance: String
        public var pid: Int32?
        /// `running`, `stopped`, or for publishers their state.
        public var state: String
    }

    public var host: String
    public var reachable: Bool
    public var error: String?
    public var revision: String?
    public var generation: Int?
    public var generations: [Int] = []
    public var drift: [String] = []
    public var daemons: [Daemon] = []
    /// Plain facts (a publisher that cannot publish offline).
    public var notes: [String] = []
    /// The revision an apply that never finished was moving the host to.
    public var interrupted: String?
    /// The host lock: held by a reconciler now, or left by one.
    public var lock: HostLockState?

    /// Healthy: applied, no drift, every daemon up (a publisher that cannot
    /// publish for want of a consensus counts as up, with a note).
    public var isHealthy: Bool {
        reachable && generation != nil && drift.isEmpty && interrupted == nil
            && daemons.allSatisfy { $0.state != "stopped" && !$0.state.hasPrefix("failed") }
    }

    /// Reads a host's health in a few transport calls.
    public static func read(host: Host) async -> HostHealth {
        let transport = HostConnector.transport(for: host)
        var health = HostHealth(host: host.name, reachable: true)
        do {
            let supervisor = try await SupervisorFactory.make(transport: transport, host: host)
            health.lock = try await transport.lockState(root: host.connection.root)
            let store = GenerationStore(transport: transport)
            let index = try await store.index()
            health.generations = index.numbers
            if let pending = try await transport.read([Generation.pendingPath])[Generation.pendingPath] {
                let text = String(decoding: pending, as: UTF8.self)
                health.interrupted = Generation.parse(number: 0, manifest: text, contents: nil)?.commit ?? "?"
            }
            guard let number = index.current else { return health }
            guard let current = try await store.load(number) else {
                health.error = "generation \(number) does not check out against its MANIFEST"
                return health
            }
            health.generation = number
            health.revision = current.commit
            let state = current.state
            let files = try await transport.stat(state.directories.map(\.path) + state.files.map(\.path))
            health.drift = FileDrift.compare(state, with: files).map(\.description)
            for instance in state.instances {
                let pid = try await supervisor.pid(instance)
                var label = pid == nil ? "stopped" : "running"
                if case .publisher(let balancer, _) = instance {
                    let publisher = try await supervisor.publisherState(balancer: balancer)
                    label = publisher.description
                    if case .cannotPublish = publisher {
                        health.notes.append(
                            "\(instance) is configured but cannot publish: its tor has no consensus (offline)")
                    }
                }
                health.daemons.append(Daemon(instance: instance.description, pid: pid, state: label))
            }
        } catch {
            health.reachable = error.code != .unreachable
            health.error = error.description
        }
        return health
    }
}
