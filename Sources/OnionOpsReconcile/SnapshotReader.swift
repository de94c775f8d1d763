public import OnionOpsCore
public import OnionOpsHosts

/// What the planner needs from a host, as one `HostObservation`: the
/// current generation (index, MANIFEST, stored files), one stat of every
/// path the desired state or the inventory names, and each daemon's pid.
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
        let observed = try await HostObservation.read(
            HostObservation.Request(
                paths: desired.directories.map(\.path) + desired.files.map(\.path), instances: desired.instances,
                inventory: inventory),
            host: desired.host, root: desired.root, transport: transport, supervisor: supervisor)
        return try Self.snapshot(of: observed)
    }

    /// The planner's view of an observation; a generation or pending
    /// record that does not check out is an error (planning on it could
    /// remove what is not ours).
    static func snapshot(of observed: HostObservation) throws(HostError) -> HostSnapshot {
        if observed.currentUnreadable {
            throw HostError(
                host: observed.host, code: .io,
                message:
                    "generation \(observed.currentNumber.map(String.init) ?? "?") on the host does not check out against its MANIFEST"
            )
        }
        if observed.pendingRecord != nil, observed.interrupted == nil {
            throw HostError(
                host: observed.host, code: .io,
                message: "\(Generation.pendingPath) on the host (left by an interrupted apply) does not parse")
        }
        return observed.snapshot
    }
}
