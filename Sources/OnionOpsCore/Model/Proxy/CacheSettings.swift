/// nginx's proxy cache. Onionspray's default is a 60 s "storm" cache of
/// every answer (`nginx_cache_seconds 60`): `{enabled: true, validFor: 60s,
/// anyStatus: true}`.
public struct CacheSettings: Sendable, Hashable {
    public var enabled: Bool
    /// nginx size syntax: `512m`, `2g`.
    public var maxSize: String
    /// nginx time syntax: `60s`, `10m`, `1h`.
    public var validFor: String
    /// Requests for a key before its answer is stored (`proxy_cache_min_uses`).
    public var minUses: Int
    /// Cache every status (404s too), not only 200, 301 and 302.
    public var anyStatus: Bool
    /// Answers of these content types are never stored (Onionspray's
    /// `no_cache_content_type`).
    public var skipContentTypes: [String]
    /// Subdomain labels or upstream host names never cached
    /// (`no_cache_host`).
    public var skipHosts: [String]

    public init(
        enabled: Bool = false, maxSize: String = "256m", validFor: String = "10m", minUses: Int = 1,
        anyStatus: Bool = false, skipContentTypes: [String] = [], skipHosts: [String] = []
    ) {
        self.enabled = enabled
        self.maxSize = maxSize
        self.validFor = validFor
        self.minUses = minUses
        self.anyStatus = anyStatus
        self.skipContentTypes = skipContentTypes
        self.skipHosts = skipHosts
    }

    public static let minUsesRange = 1...1000
}
