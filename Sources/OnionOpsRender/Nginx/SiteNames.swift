import OnionOpsCore

/// The onion host names of a site and the upstream host each stands for:
/// `<onion>` -> `<upstream>`, `www.<onion>` -> `www.<upstream>`.
struct SiteNames {
    let address: OnionAddress
    let site: Site

    var onion: String { address.description }

    /// Apex first, then subdomains in manifest order.
    var pairs: [(onionHost: String, upstreamHost: String)] {
        [(onion, site.upstream)] + site.subdomains.map { ("\($0).\(onion)", "\($0).\(site.upstream)") }
    }

    var onionHosts: [String] { pairs.map(\.onionHost) }
}
