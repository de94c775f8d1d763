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
    /// Verify the upstream's certificate and its name against the trusted
    /// CAs: `caFile` when given, else the CA folder `caDirectory`.
    public var verifyTLS: Bool
    /// A PEM bundle of trusted CAs, an absolute path on the host. nginx
    /// 1.22 reads it once for every site (each site's location has a TLS
    /// context of its own), so a large bundle costs time and memory per
    /// site on every start and reload.
    public var caFile: String?
    /// A folder of trusted CAs named by subject hash (`openssl rehash`;
    /// Debian keeps /etc/ssl/certs so), read only for the CAs a handshake
    /// needs: the default, and the form that stays cheap with many sites.
    public var caDirectory: String

    public init(
        scheme: UpstreamScheme = .https,
        resolver: [String] = UpstreamOptions.defaultResolver,
        resolverValid: String = "60s",
        resolverTimeout: String = "15s",
        connectTimeout: String = "15s",
        readTimeout: String = "60s",
        sendTimeout: String = "60s",
        verifyTLS: Bool = true,
        caFile: String? = nil,
        caDirectory: String = UpstreamOptions.defaultCADirectory
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
        self.caDirectory = caDirectory
    }

    public static let defaultResolver = ["127.0.0.1"]
    /// The system's CAs, the same ones as /etc/ssl/certs/ca-certificates.crt.
    public static let defaultCADirectory = "/etc/ssl/certs"
}
