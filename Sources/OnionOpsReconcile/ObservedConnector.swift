public import OnionOpsCore
public import OnionOpsHosts

/// A connector whose transports report each operation's start and end as
/// `ReconcileEvent.hostIO`: the reconciler's own record of which hosts are
/// being worked on at any moment (the fan-out bench reads hosts in flight
/// from it). Supervisor commands go through the same transport, so they
/// count too.
public struct ObservedConnector: HostConnecting {
    public var base: any HostConnecting
    public var events: @Sendable (ReconcileEvent) -> Void

    public init(base: any HostConnecting, events: @escaping @Sendable (ReconcileEvent) -> Void) {
        self.base = base
        self.events = events
    }

    public func transport(for host: OnionOpsCore.Host) -> any HostTransport {
        ObservedTransport(base: base.transport(for: host), events: events)
    }

    public func supervisor(for host: OnionOpsCore.Host, transport: any HostTransport) async throws(HostError)
        -> any DaemonSupervisor
    {
        try await base.supervisor(for: host, transport: transport)
    }
}

/// Forwards every call to `base`, between two `hostIO` events.
struct ObservedTransport: HostTransport {
    let base: any HostTransport
    let events: @Sendable (ReconcileEvent) -> Void

    var host: String { base.host }
    var isLocal: Bool { base.isLocal }

    private func observed<T>(_ body: () async throws(HostError) -> T) async throws(HostError) -> T {
        events(.hostIO(host: base.host, started: true))
        defer { events(.hostIO(host: base.host, started: false)) }
        return try await body()
    }

    func stat(_ paths: [String]) async throws(HostError) -> [String: FileStatus] {
        try await observed { () async throws(HostError) in try await base.stat(paths) }
    }

    func read(_ paths: [String]) async throws(HostError) -> [String: [UInt8]] {
        try await observed { () async throws(HostError) in try await base.read(paths) }
    }

    func apply(_ operations: [HostOperation]) async throws(HostError) {
        try await observed { () async throws(HostError) in try await base.apply(operations) }
    }

    func run(_ command: [String], input: [UInt8]) async throws(HostError) -> CommandOutput {
        try await observed { () async throws(HostError) in try await base.run(command, input: input) }
    }

    func isAlive(_ pid: Int32) async throws(HostError) -> Bool {
        try await observed { () async throws(HostError) in try await base.isAlive(pid) }
    }

    func livePids(inFiles pidFiles: [String]) async throws(HostError) -> [String: Int32] {
        try await observed { () async throws(HostError) in try await base.livePids(inFiles: pidFiles) }
    }

    func look(read paths: [String], stat statPaths: [String], livePidsIn pidFiles: [String])
        async throws(HostError) -> HostLook
    {
        try await observed { () async throws(HostError) in
            try await base.look(read: paths, stat: statPaths, livePidsIn: pidFiles)
        }
    }

    func lock(owner: String) async throws(HostError) -> HostLock {
        try await observed { () async throws(HostError) in try await base.lock(owner: owner) }
    }

    func unlock(_ lock: HostLock) async throws(HostError) {
        try await observed { () async throws(HostError) in try await base.unlock(lock) }
    }

    func forwardSocket(_ path: String) async throws(HostError) -> String {
        try await observed { () async throws(HostError) in try await base.forwardSocket(path) }
    }

    func releaseSocket(_ localPath: String) async {
        events(.hostIO(host: base.host, started: true))
        await base.releaseSocket(localPath)
        events(.hostIO(host: base.host, started: false))
    }
}
