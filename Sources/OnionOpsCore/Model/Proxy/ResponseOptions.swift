/// Upstream response headers withheld from onion visitors.
public struct ResponseOptions: Sendable, Hashable {
    /// HSTS pins the upstream's policy on the onion name.
    public var suppressHSTS: Bool
    /// HPKP pins keys the onion's certificate does not have.
    public var suppressHPKP: Bool
    /// Drop Content-Security-Policy (and -Report-Only) instead of rewriting it.
    public var suppressCSP: Bool
    /// Drop headers that name the upstream's software (Via, X-Powered-By...).
    public var purgeFingerprints: Bool

    public init(
        suppressHSTS: Bool = true,
        suppressHPKP: Bool = true,
        suppressCSP: Bool = false,
        purgeFingerprints: Bool = true
    ) {
        self.suppressHSTS = suppressHSTS
        self.suppressHPKP = suppressHPKP
        self.suppressCSP = suppressCSP
        self.purgeFingerprints = purgeFingerprints
    }

    /// Headers dropped by `purgeFingerprints`.
    public static let fingerprintHeaders = [
        "Server", "Via", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Varnish", "X-Cache",
        "X-Cache-Hits", "X-Served-By", "X-Timer", "X-Generator", "X-Runtime", "X-Backend-Server",
    ]
}
