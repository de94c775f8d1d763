public import OnionOpsCore

/// How the reconciler and the observation reach a host: its transport and
/// the supervisor of its daemons. The system's connector uses SSH or a
/// local folder as the manifest says; tests pass an in-memory host.
public protocol HostConnecting: Sendable {
    func transport(for host: OnionOpsCore.Host) -> any HostTransport

    /// The supervisor of `host`'s daemons, reached through `transport`.
    func supervisor(for host: OnionOpsCore.Host, transport: any HostTransport) async throws(HostError)
        -> any DaemonSupervisor
}

/// Today's hosts: `HostConnector.transport(for:)` and the supervision the
/// host's manifest asks for (systemd detected on `auto`).
public struct SystemHostConnector: HostConnecting {
    public var sshControlDirectory: String?

    public init(sshControlDirectory: String? = nil) {
        self.sshControlDirectory = sshControlDirectory
    }

    public func transport(for host: OnionOpsCore.Host) -> any HostTransport {
        HostConnector.transport(for: host, sshControlDirectory: sshControlDirectory)
    }

    public func supervisor(for host: OnionOpsCore.Host, transport: any HostTransport) async throws(HostError)
        -> any DaemonSupervisor
    {
        try await SupervisorFactory.make(transport: transport, host: host)
    }
}

extension HostConnecting where Self == SystemHostConnector {
    /// The default everywhere a connector is optional.
    public static var system: SystemHostConnector { SystemHostConnector() }
}
