/// A server (or a sandbox folder standing in for one) that runs tor, nginx
/// and Onionbalance instances.
public struct Host: Sendable, Hashable {
    public var name: String
    public var connection: HostConnection
    public var supervision: Supervision
    public var tor: DaemonSettings
    public var nginx: DaemonSettings
    public var onionbalance: DaemonSettings
    /// Extra torrc lines for every tor on this host, for test hosts only:
    /// `DisableNetwork 1` for an offline sandbox, or a private test
    /// network's `TestingTorNetwork` and `DirAuthority` lines. Only the
    /// options in `TestingTorOptions.allowed` pass validation, and only on
    /// a host marked `testHost`.
    public var testingTorOptions: [String]
    /// `spec.testHost: true`: the operator says this host is for tests, so
    /// its torrcs may carry `testingTorOptions` (which can point tor at a
    /// foreign network). `show` and `status` print the mark, so a
    /// production host that gained it stands out.
    public var testHost: Bool
    /// What `onionops hosts prepare` may do about missing packages.
    public var packages: PackagePolicy
    public var origin: ObjectOrigin

    public init(
        name: String,
        connection: HostConnection,
        supervision: Supervision = .auto,
        tor: DaemonSettings = .torDefault,
        nginx: DaemonSettings = .nginxDefault,
        onionbalance: DaemonSettings = .onionbalanceDefault,
        testingTorOptions: [String] = [],
        testHost: Bool = false,
        packages: PackagePolicy = .verify,
        origin: ObjectOrigin
    ) {
        self.name = name
        self.connection = connection
        self.supervision = supervision
        self.tor = tor
        self.nginx = nginx
        self.onionbalance = onionbalance
        self.testingTorOptions = testingTorOptions
        self.testHost = testHost
        self.packages = packages
        self.origin = origin
    }
}
