/// Requests whose host or path matches a regex are sent elsewhere
/// (Onionspray's `redirect_host_csv`, `redirect_path_csv` and their fixed
/// forms).
public struct Redirect: Sendable, Hashable {
    public enum Match: Sendable, Hashable {
        /// A case-insensitive regex on the onion host.
        case host(String)
        /// A case-insensitive regex on the path.
        case path(String)
    }

    public var match: Match
    /// An absolute http(s) URL.
    public var to: String
    public var code: Int
    /// Append the request's path and query to `to` (false: a fixed target).
    public var keepURI: Bool

    public init(match: Match, to: String, code: Int = 302, keepURI: Bool = true) {
        self.match = match
        self.to = to
        self.code = code
        self.keepURI = keepURI
    }

    public static let codes: Set<Int> = [301, 302, 303, 307, 308]
}
