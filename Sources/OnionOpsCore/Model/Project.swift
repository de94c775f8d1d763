/// An Onionspray-style project: a set of onion sites proxied to their
/// upstream domains by tor and nginx on the placement hosts.
public struct Project: Sendable, Hashable {
    public var name: String
    public var mode: ProjectMode
    public var placement: Placement
    public var sites: [Site]
    public var tor: TorOptions
    public var nginx: NginxOptions
    public var origin: ObjectOrigin

    public init(
        name: String,
        mode: ProjectMode,
        placement: Placement,
        sites: [Site],
        tor: TorOptions = TorOptions(),
        nginx: NginxOptions = NginxOptions(),
        origin: ObjectOrigin
    ) {
        self.name = name
        self.mode = mode
        self.placement = placement
        self.sites = sites
        self.tor = tor
        self.nginx = nginx
        self.origin = origin
    }

    /// Tor instances across all placement hosts: in a softmap, the number of
    /// backends behind each frontend.
    public var totalTorInstances: Int { placement.hosts.count * placement.torInstances }
}

public enum ProjectMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every tor instance publishes and serves every site with the site's key.
    case hardmap
    /// Tor instances are Onionbalance backends with their own addresses;
    /// publishers merge them into each site's frontend descriptor.
    case softmap
}

public struct Placement: Sendable, Hashable {
    public var hosts: [String]
    /// Tor instances per host.
    public var torInstances: Int

    public init(hosts: [String], torInstances: Int = 1) {
        self.hosts = hosts
        self.torInstances = torInstances
    }

    public static let maxTorInstancesPerHost = 16
}
