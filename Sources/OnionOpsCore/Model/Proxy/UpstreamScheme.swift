/// How nginx speaks to the upstream.
public enum UpstreamScheme: String, Sendable, Hashable, Codable, CaseIterable {
    case https
    /// Plain http, only for projects that also serve the onion over http.
    case http
}
