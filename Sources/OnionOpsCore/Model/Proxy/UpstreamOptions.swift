/// How nginx finds and talks to the upstream.
public struct UpstreamOptions: Sendable, Hashable {
    public var scheme: UpstreamScheme
    /// DNS servers nginx asks at request time (`address` or `address:port`,
    /// IPv6 in brackets). nginx does not read /etc/resolv.conf, so the
    /// default is a caching resolver on the host itself.
    public var resolver: [String]
    /// How long an answer is reused before nginx asks again.
    public var resolverValid: String
    public var resolverTimeout: String
    public var connectTimeout: String
    public var readTimeout: String
    public var sendTimeout: String
    /// Verify the upstream's certificate against `caFile` and its name.
    public var verifyTLS: Bool
    /// PEM bundle of trusted CAs, an absolute path on the host.
    public var caFile: String

    public init(
        scheme: UpstreamScheme = .https,
        resolver: [String] = UpstreamOptions.defaultResolver,
        resolverValid: String = "60s",
        resolverTimeout: String = "15s",
        connectTimeout: String = "15s",
        readTimeout: String = "60s",
        sendTimeout: String = "60s",
        verifyTLS: Bool = true,
        caFile: String = UpstreamOptions.defaultCAFile
    ) {
        self.scheme = scheme
        self.resolver = resolver
        self.resolverValid = resolverValid
        self.resolverTimeout = resolverTimeout
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.sendTimeout = sendTimeout
        self.verifyTLS = verifyTLS
        self.caFile = caFile
    }

    public static let defaultResolver = ["127.0.0.1"]
    public static let defaultCAFile = "/etc/ssl/certs/ca-certificates.crt"
}
