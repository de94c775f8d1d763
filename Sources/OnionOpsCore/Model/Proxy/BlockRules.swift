/// Requests answered with 403.
public struct BlockRules: Sendable, Hashable {
    /// Literal path prefixes, each starting with `/`.
    public var paths: [String]
    /// Subdomain labels (`admin`) or full upstream host names.
    public var hosts: [String]
    /// Case-insensitive substrings of the User-Agent header.
    public var userAgents: [String]

    public init(paths: [String] = [], hosts: [String] = [], userAgents: [String] = []) {
        self.paths = paths
        self.hosts = hosts
        self.userAgents = userAgents
    }

    public var isEmpty: Bool { paths.isEmpty && hosts.isEmpty && userAgents.isEmpty }
}
