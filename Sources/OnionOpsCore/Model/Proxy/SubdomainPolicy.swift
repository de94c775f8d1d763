/// Which onion host names a site answers for.
public enum SubdomainPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// `x.y.<onion>` at any depth stands for `x.y.<upstream>` (Onionspray's
    /// default); listed subdomains still get certificate names.
    case any
    /// Only the apex and the listed subdomains.
    case listed
}
