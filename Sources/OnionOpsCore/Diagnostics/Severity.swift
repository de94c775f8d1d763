public enum Severity: String, Sendable, Hashable, Codable {
    case error
    case warning
}
