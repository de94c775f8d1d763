/// Per-project nginx settings, comparable to Onionspray's.
public struct NginxOptions: Sendable, Hashable {
    /// Redirect http to https with a 307.
    public var forceHttps: Bool
    /// Answer `/hello-onion` without touching the upstream.
    public var helloOnion: Bool
    /// Blocks, deny and allow lists, redirects and fixed answers.
    public var access: AccessOptions
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
    public var processes: NginxProcesses
    public var buffers: ProxyBuffers
    public var logs: NginxLogs

    public init(
        forceHttps: Bool = true,
        helloOnion: Bool = true,
        access: AccessOptions = AccessOptions(),
        cache: CacheSettings = CacheSettings(),
        upstreamHeaders: [HeaderField] = NginxOptions.defaultUpstreamHeaders,
        tls: TLSSettings = TLSSettings(),
        subdomains: SubdomainPolicy = .any,
        foreignSites: [ForeignSite] = [],
        rewrite: RewriteOptions = RewriteOptions(),
        requests: RequestOptions = RequestOptions(),
        responses: ResponseOptions = ResponseOptions(),
        upstream: UpstreamOptions = UpstreamOptions(),
        processes: NginxProcesses = NginxProcesses(),
        buffers: ProxyBuffers = ProxyBuffers(),
        logs: NginxLogs = NginxLogs()
    ) {
        self.forceHttps = forceHttps
        self.helloOnion = helloOnion
        self.access = access
        self.cache = cache
        self.upstreamHeaders = upstreamHeaders
        self.tls = tls
        self.subdomains = subdomains
        self.foreignSites = foreignSites
        self.rewrite = rewrite
        self.requests = requests
        self.responses = responses
        self.upstream = upstream
        self.processes = processes
        self.buffers = buffers
        self.logs = logs
    }

    /// Tells the upstream a request came through the onion, as Onionspray
    /// does; an explicit empty list turns it off.
    public static let defaultUpstreamHeaders = [HeaderField(name: "X-From-Onion", value: "1")]
}
