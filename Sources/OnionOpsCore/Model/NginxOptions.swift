/// Per-project nginx settings, comparable to Onionspray's.
public struct NginxOptions: Sendable, Hashable {
    /// Redirect http to https with a 307.
    public var forceHttps: Bool
    /// Answer `/hello-onion` without touching the upstream.
    public var helloOnion: Bool
    public var block: BlockRules
    public var cache: CacheSettings
    /// Extra headers sent to the upstream with every request.
    public var upstreamHeaders: [HeaderField]
    public var tls: TLSSettings
    public var subdomains: SubdomainPolicy
    public var foreignSites: [ForeignSite]
    public var rewrite: RewriteOptions
    public var requests: RequestOptions
    public var responses: ResponseOptions
    public var upstream: UpstreamOptions

    public init(
        forceHttps: Bool = true,
        helloOnion: Bool = true,
        block: BlockRules = BlockRules(),
        cache: CacheSettings = CacheSettings(),
        upstreamHeaders: [HeaderField] = NginxOptions.defaultUpstreamHeaders,
        tls: TLSSettings = TLSSettings(),
        subdomains: SubdomainPolicy = .any,
        foreignSites: [ForeignSite] = [],
        rewrite: RewriteOptions = RewriteOptions(),
        requests: RequestOptions = RequestOptions(),
        responses: ResponseOptions = ResponseOptions(),
        upstream: UpstreamOptions = UpstreamOptions()
    ) {
        self.forceHttps = forceHttps
        self.helloOnion = helloOnion
        self.block = block
        self.cache = cache
        self.upstreamHeaders = upstreamHeaders
        self.tls = tls
        self.subdomains = subdomains
        self.foreignSites = foreignSites
        self.rewrite = rewrite
        self.requests = requests
        self.responses = responses
        self.upstream = upstream
    }

    /// Tells the upstream a request came through the onion, as Onionspray
    /// does; an explicit empty list turns it off.
    public static let defaultUpstreamHeaders = [HeaderField(name: "X-From-Onion", value: "1")]
}

/// Requests answered with 403.
public struct BlockRules: Sendable, Hashable {
    /// Literal path prefixes, each starting with `/`.
    public var paths: [String]
    /// Subdomain labels (`admin`) or full upstream host names.
    public var hosts: [String]
    /// Case-insensitive substrings of the User-Agent header.
    public var userAgents: [String]

    public init(paths: [String] = [], hosts: [String] = [], userAgents: [String] = []) {
        self.paths = paths
        self.hosts = hosts
        self.userAgents = userAgents
    }

    public var isEmpty: Bool { paths.isEmpty && hosts.isEmpty && userAgents.isEmpty }
}

public struct CacheSettings: Sendable, Hashable {
    public var enabled: Bool
    /// nginx size syntax: `512m`, `2g`.
    public var maxSize: String
    /// nginx time syntax for 200/301/302 responses: `10m`, `1h`.
    public var validFor: String

    public init(enabled: Bool = false, maxSize: String = "256m", validFor: String = "10m") {
        self.enabled = enabled
        self.maxSize = maxSize
        self.validFor = validFor
    }
}

public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct TLSSettings: Sendable, Hashable {
    public var source: TLSSource
    /// Lifetime of a self-signed certificate.
    public var lifetimeDays: Int

    public init(source: TLSSource = .selfSigned, lifetimeDays: Int = 365) {
        self.source = source
        self.lifetimeDays = lifetimeDays
    }

    public static let lifetimeRange = 1...3650
}

public enum TLSSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// A certificate per onion made by OnionOps.
    case selfSigned
    /// The operator's own certificate and key, sealed in the repo.
    case operatorProvided = "operator"
}
