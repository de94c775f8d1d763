public import OnionOpsCore
public import OnionOpsHosts

/// The shortcut of a reconcile with nothing to do: a host needs nothing
/// when its current generation was rendered from the same inputs (and, if
/// one is asked for, named the same revision), no apply is pending, every
/// folder and file is as its MANIFEST records (mode, owner, SHA-256) and
/// every daemon of it runs. Read-only: no lock, no keys, no rendering; any
/// doubt (an error included) sends the host down the full path.
public struct NoOpCheck: Sendable {
    public enum Verdict: Sendable, Equatable {
        case unchanged(generation: Int, commit: String)
        case changed(String)
    }

    public var inputs: String
    public var commit: String?
    public var parallel: Int
    public var connector: any HostConnecting

    public init(inputs: String, commit: String?, parallel: Int = 10, connector: any HostConnecting = .system) {
        self.inputs = inputs
        self.commit = commit
        self.parallel = max(1, parallel)
        self.connector = connector
    }

    /// Each host's verdict, in the order given.
    public func check(_ hosts: [Host]) async -> [Verdict] {
        await HostFanOut.map(hosts, parallel: parallel) { host in await check(host) }
    }

    func check(_ host: Host) async -> Verdict {
        let transport = connector.transport(for: host)
        do {
            let supervisor = try await connector.supervisor(for: host, transport: transport)
            let observed = try await HostObservation.read(
                HostObservation.Request(contents: false), host: host, transport: transport, supervisor: supervisor)
            return Self.verdict(observed, inputs: inputs, commit: commit)
        } catch {
            return .changed("cannot check: \(error.message)")
        }
    }

    /// The verdict on one observation.
    static func verdict(_ observed: HostObservation, inputs: String, commit: String?) -> Verdict {
        if observed.pendingRecord != nil { return .changed("an apply was interrupted") }
        guard let number = observed.currentNumber else { return .changed("never applied") }
        guard let manifest = observed.currentManifest, let generation = observed.current else {
            return .changed("generation \(number) unreadable")
        }
        guard generation.inputs == inputs else { return .changed("inputs differ from generation \(number)'s") }
        if let commit, generation.commit != commit { return .changed("revision differs") }
        let entries = Generation.entries(inManifest: manifest)
        if let drifted = entries.first(where: { !$0.matches(observed.files[$0.path]) }) {
            return .changed("\(drifted.path) differs")
        }
        for instance in generation.state.instances where observed.daemons[instance]?.countsAsRunning != true {
            return .changed("\(instance) is not running")
        }
        return .unchanged(generation: number, commit: generation.commit)
    }
}
