/// Request matches for one access rule set (`block`, `deny` or
/// `allowOnly`): literal values and case-insensitive regexes per part of the
/// request, as Onionspray's `*_re` settings beside the plain ones.
public struct RequestRules: Sendable, Hashable {
    /// Literal path prefixes, each starting with `/`.
    public var paths: [String]
    /// Regexes matched against the normalised path (`$uri`).
    public var pathPatterns: [String]
    /// Subdomain labels (`admin`) or full upstream host names, each standing
    /// for the onion host it is served as.
    public var hosts: [String]
    /// Regexes matched against the onion host (`$host`).
    public var hostPatterns: [String]
    /// Case-insensitive substrings of the User-Agent header.
    public var userAgents: [String]
    public var userAgentPatterns: [String]
    /// Exact Referer values, as the browser sends them (onion names).
    public var referers: [String]
    public var refererPatterns: [String]
    /// Exact Origin values, as the browser sends them (onion names).
    public var origins: [String]
    public var originPatterns: [String]
    /// A query parameter equal to a value.
    public var params: [ParamMatch]
    /// A query parameter matching a regex (`value` is the regex).
    public var paramPatterns: [ParamMatch]

    public init(
        paths: [String] = [], pathPatterns: [String] = [], hosts: [String] = [], hostPatterns: [String] = [],
        userAgents: [String] = [], userAgentPatterns: [String] = [], referers: [String] = [],
        refererPatterns: [String] = [], origins: [String] = [], originPatterns: [String] = [],
        params: [ParamMatch] = [], paramPatterns: [ParamMatch] = []
    ) {
        self.paths = paths
        self.pathPatterns = pathPatterns
        self.hosts = hosts
        self.hostPatterns = hostPatterns
        self.userAgents = userAgents
        self.userAgentPatterns = userAgentPatterns
        self.referers = referers
        self.refererPatterns = refererPatterns
        self.origins = origins
        self.originPatterns = originPatterns
        self.params = params
        self.paramPatterns = paramPatterns
    }

    public var isEmpty: Bool { self == RequestRules() }

    /// Every regex of the set with its key, for validation.
    public var patterns: [(key: String, values: [String])] {
        [
            ("pathPatterns", pathPatterns), ("hostPatterns", hostPatterns),
            ("userAgentPatterns", userAgentPatterns), ("refererPatterns", refererPatterns),
            ("originPatterns", originPatterns),
        ]
    }

    /// The YAML keys of a rule set.
    public static let keys = [
        "paths", "pathPatterns", "hosts", "hostPatterns", "userAgents", "userAgentPatterns", "referers",
        "refererPatterns", "origins", "originPatterns", "params", "paramPatterns",
    ]
}
