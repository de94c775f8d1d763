/// What nginx writes down. Access logs are off by default: visitors'
/// requests are theirs. When on, the format has no client address (it
/// would only ever be the unix socket) and no cookies or query strings'
/// secrets beyond the request line.
public struct NginxLogs: Sendable, Hashable {
    /// An access log for every site of the project (a site's `accessLog`
    /// overrides it).
    public var access: Bool
    /// nginx's error_log level.
    public var errorLevel: String

    public init(access: Bool = false, errorLevel: String = "warn") {
        self.access = access
        self.errorLevel = errorLevel
    }

    public static let errorLevels = ["debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"]
}
