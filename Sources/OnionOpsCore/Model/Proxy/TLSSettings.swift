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
