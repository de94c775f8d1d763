public struct TLSSettings: Sendable, Hashable {
    public var source: TLSSource
    /// Lifetime of a self-signed certificate.
    public var lifetimeDays: Int
    /// A certificate per onion, or one for the whole project.
    public var scope: TLSScope
    /// Subject fields of the certificates OnionOps makes and of its CSRs.
    public var subject: CertificateSubject

    public init(
        source: TLSSource = .selfSigned, lifetimeDays: Int = 365, scope: TLSScope = .perOnion,
        subject: CertificateSubject = CertificateSubject()
    ) {
        self.source = source
        self.lifetimeDays = lifetimeDays
        self.scope = scope
        self.subject = subject
    }

    public static let lifetimeRange = 1...3650
    /// `drift`, `status` and `keys tls --renew` act this long before a
    /// certificate expires.
    public static let renewalDays = 30
}
