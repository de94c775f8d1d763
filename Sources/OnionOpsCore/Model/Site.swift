/// One onion address mapped to an upstream domain and its subdomains.
public struct Site: Sendable, Hashable {
    /// `<56 base32 chars>.onion`; its key is `keys/<onion>.age` in the repo.
    public var onion: String
    /// The upstream's registrable domain, e.g. `example.org`.
    public var upstream: String
    /// Served as `<sub>.<onion>` and proxied to `<sub>.<upstream>`.
    public var subdomains: [String]
    /// `host:port` to connect to instead of resolving the upstream (tests,
    /// or an origin behind a private address). SNI and Host stay the
    /// upstream's names.
    public var upstreamAddress: String?
    /// An access log for this site, whatever the project's `logs.access`.
    public var accessLog: Bool?

    public init(
        onion: String, upstream: String, subdomains: [String] = [], upstreamAddress: String? = nil,
        accessLog: Bool? = nil
    ) {
        self.onion = onion
        self.upstream = upstream
        self.subdomains = subdomains
        self.upstreamAddress = upstreamAddress
        self.accessLog = accessLog
    }
}
