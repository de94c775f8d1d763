import OnionOpsCore

/// Manifest text for a synthetic hardmap deployment: `projects` projects of
/// `sitesPerProject` sites, each project on `hostsPerProject` consecutive
/// hosts (wrapping) with `torInstances` tor instances per host.
struct SyntheticTopology {
    var hosts: Int
    var projects: Int
    var sitesPerProject: Int
    var hostsPerProject: Int
    var torInstances: Int
    /// Real addresses for the first sites (when their keys must open);
    /// the rest get made-up ones.
    var addresses: [String] = []

    var siteCount: Int { projects * sitesPerProject }

    func manifestText() -> String {
        var text = ""
        text.reserveCapacity(siteCount * 200)
        for host in 0..<hosts {
            text += """
                apiVersion: onionops/v1
                kind: Host
                metadata: {name: h\(host)}
                spec: {local: {root: /srv/b/h\(host)}}
                ---

                """
        }
        var siteNumber = 0
        for project in 0..<projects {
            let placed = (0..<hostsPerProject).map { "h\((project * hostsPerProject + $0) % hosts)" }
            text += """
                apiVersion: onionops/v1
                kind: Project
                metadata: {name: p\(project)}
                spec:
                  mode: hardmap
                  placement: {hosts: [\(placed.joined(separator: ", "))], torInstances: \(torInstances)}
                  sites:

                """
            for _ in 0..<sitesPerProject {
                text += """
                        - onion: \(siteNumber < addresses.count ? addresses[siteNumber] : Self.onion(siteNumber))
                          upstream: site\(siteNumber).example.org
                          subdomains: [www]

                    """
                siteNumber += 1
            }
            text += "---\n"
        }
        return text
    }

    /// A distinct valid address per site number.
    static func onion(_ number: Int) -> String {
        var key = [UInt8](repeating: 0, count: 32)
        var value = UInt64(number) &+ 1
        for index in 0..<8 {
            key[index] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
        key[31] = 0x42
        return OnionAddress(publicKey: key).description
    }
}
