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
