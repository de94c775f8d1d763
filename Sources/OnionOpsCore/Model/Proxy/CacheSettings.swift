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
