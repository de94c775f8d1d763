/// The manifest the proxy tests render: host edge-1 (local, at `root`) and
/// one hardmap project, `site`, with one site for example.org that forces
/// HTTPS. `nginx` is the rest of the project's `nginx:` mapping, one key per
/// line at the left margin.
enum OneSiteManifest {
    static func text(
        root: String, onion: String, upstreamAddress: String, subdomains: String? = nil, tor: String? = nil,
        forceHttps: Bool = true, nginx: String
    ) -> String {
        let nginxLines = nginx.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
        return """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: edge-1}
            spec: {local: {root: \(root)}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: site}
            spec:
              mode: hardmap
              placement: {hosts: [edge-1]}
              sites:
                - onion: \(onion)
                  upstream: example.org
            \(subdomains.map { "      subdomains: \($0)\n" } ?? "")      upstreamAddress: \(upstreamAddress)
            \(tor.map { "  tor: \($0)\n" } ?? "")  nginx:
                forceHttps: \(forceHttps)
            \(nginxLines.joined(separator: "\n"))
            """
    }
}
