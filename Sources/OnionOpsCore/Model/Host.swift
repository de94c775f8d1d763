/// A server (or a sandbox folder standing in for one) that runs tor, nginx
/// and Onionbalance instances.
public struct Host: Sendable, Hashable {
    public var name: String
    public var connection: HostConnection
    public var supervision: Supervision
    public var tor: DaemonSettings
    public var nginx: DaemonSettings
    public var onionbalance: DaemonSettings
    public var origin: ObjectOrigin

    public init(
        name: String,
        connection: HostConnection,
        supervision: Supervision = .auto,
        tor: DaemonSettings = .torDefault,
        nginx: DaemonSettings = .nginxDefault,
        onionbalance: DaemonSettings = .onionbalanceDefault,
        origin: ObjectOrigin
    ) {
        self.name = name
        self.connection = connection
        self.supervision = supervision
        self.tor = tor
        self.nginx = nginx
        self.onionbalance = onionbalance
        self.origin = origin
    }
}
