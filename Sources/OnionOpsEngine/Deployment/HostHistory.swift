/// The generations one host keeps, newest first.
public struct HostHistory: Sendable, Encodable {
    public struct Entry: Sendable, Encodable {
        public var generation: Int
        public var revision: String
        public var recordedAt: Int?
        public var current: Bool
    }

    public var host: String
    public var error: String?
    public var generations: [Entry]
}
