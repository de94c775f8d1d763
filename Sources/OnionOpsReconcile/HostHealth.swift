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

        public init(instance: String, pid: Int32?, state: String) {
            self.instance = instance
            self.pid = pid
            self.state = state
        }
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
    /// Placed TLS certificates that expire soon or have expired.
    public var certificates: [String] = []
    /// A placed certificate has expired: browsers refuse the site.
    public var certificateExpired = false
    /// Each running publisher's own report (its status socket), by
    /// balancer, when asked for: the backends it has seen and when it last
    /// tried to publish.
    public var publishers: [String: OnionbalanceStatus] = [:]

    public init(host: String, reachable: Bool) {
        self.host = host
        self.reachable = reachable
    }

    /// Healthy: applied, no drift, every daemon up (a publisher that cannot
    /// publish for want of a consensus counts as up, with a note).
    public var isHealthy: Bool {
        reachable && generation != nil && drift.isEmpty && interrupted == nil && !certificateExpired
            && daemons.allSatisfy { $0.state != "stopped" && !$0.state.hasPrefix("failed") }
    }

    /// Reads a host's health in one observation; with `publishers`, also
    /// asks each running publisher's status socket.
    public static func read(host: Host, connector: any HostConnecting = .system, publishers: Bool = false) async
        -> HostHealth
    {
        let transport = connector.transport(for: host)
        var health = HostHealth(host: host.name, reachable: true)
        do {
            let supervisor = try await connector.supervisor(for: host, transport: transport)
            let observed = try await HostObservation.read(
                HostObservation.Request(lock: true), host: host, transport: transport, supervisor: supervisor)
            health = HostHealth(observed)
            guard publishers, let current = observed.current else { return health }
            for instance in current.state.instances where observed.daemons[instance]?.pid != nil {
                guard case .publisher(let balancer, _) = instance else { continue }
                if let status = await OnionbalanceStatus.read(balancer: balancer, transport: transport) {
                    health.publishers[balancer] = status
                }
            }
        } catch {
            health.reachable = error.code != .unreachable
            health.error = error.description
        }
        return health
    }
}

extension HostHealth {
    /// What `status` says about an observation.
    init(_ observed: HostObservation) {
        self.init(host: observed.host, reachable: true)
        lock = observed.lock
        generations = observed.generations
        if observed.pendingRecord != nil { interrupted = observed.interrupted?.commit ?? "?" }
        guard let number = observed.currentNumber else { return }
        guard let current = observed.current, !observed.currentUnreadable else {
            error = "generation \(number) does not check out against its MANIFEST"
            return
        }
        generation = number
        revision = current.commit
        drift = observed.drift.map(\.description)
        for instance in current.state.instances {
            let daemon = observed.daemons[instance] ?? HostObservation.Daemon(pid: nil)
            if case .cannotPublish = daemon.publisher {
                notes.append("\(instance) is configured but cannot publish: its tor has no consensus (offline)")
            }
            daemons.append(Daemon(instance: instance.description, pid: daemon.pid, state: daemon.label))
        }
    }
}
