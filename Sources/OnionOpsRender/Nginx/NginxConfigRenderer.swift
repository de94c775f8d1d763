import OnionOpsCore

/// One nginx per project per host: listens on the unix sockets the
/// project's tor instances point at, picks the site by Host (and SNI), and
/// proxies to the upstream over HTTPS, rewriting the upstream's names to
/// onion names on the way back.
///
/// Stock Debian nginx modules only: sub_filter (literal, so upstream
/// bodies are fetched with `Accept-Encoding: identity`), map, proxy_redirect
/// and proxy_cookie_domain. Header values (Refresh, CSP, CORS) are rewritten
/// through chains of regex maps, one occurrence per link.
struct NginxConfigRenderer {
    let layout: HostLayout
    let host: Host
    let project: Project
    let sites: [SiteNames]

    /// Occurrences of upstream names rewritten in one CSP header.
    static let headerRewriteDepth = 6

    static let rewrittenTypes = [
        "text/css", "text/xml", "text/javascript", "application/javascript", "application/x-javascript",
        "application/json", "application/ld+json", "application/manifest+json", "application/xml",
        "application/rss+xml", "application/atom+xml", "image/svg+xml",
    ]

    /// Response headers whose upstream names become onion names, and the
    /// variable prefix of each chain.
    static let rewrittenHeaders: [(header: String, variable: String, depth: Int)] = [
        ("Location", "", 0),  // handled by proxy_redirect
        ("Refresh", "oo_refresh", 1),
        ("Content-Security-Policy", "oo_csp", headerRewriteDepth),
        ("Content-Security-Policy-Report-Only", "oo_cspro", headerRewriteDepth),
        ("Access-Control-Allow-Origin", "oo_acao", 1),
    ]

    func render() -> String {
        var nginx = NginxWriter(
            header: FileHeader.lines("Project \(project.name), nginx-\(project.name)", host: host.name))
        let logs = layout.resolve(HostLayout.nginxLogDirectory(project: project.name))
        nginx.blank()
        nginx.directive("user", host.nginx.user)
        nginx.directive("worker_processes", "auto")
        nginx.directive("pid", layout.resolve(HostLayout.nginxPidFile(project: project.name)))
        nginx.directive("error_log", "\(logs)/error.log", "warn")
        nginx.blank()
        nginx.block("events") { $0.directive("worker_connections", "1024") }
        nginx.blank()
        nginx.block("http") { http in
            http.directive("default_type", "application/octet-stream")
            http.directive("server_tokens", "off")
            // Onion services keep no access log: visitors' requests are
            // theirs.
            http.directive("access_log", "off")
            for (name, folder) in HostLayout.nginxTempDirectories(project: project.name) {
                http.directive(name, layout.resolve(folder))
            }
            http.directive("map_hash_bucket_size", "128")
            http.directive("server_names_hash_bucket_size", "128")
            if project.nginx.cache.enabled {
                http.directive(
                    "proxy_cache_path",
                    layout.resolve(HostLayout.nginxCacheDirectory(project: project.name)),
                    "levels=1:2",
                    "keys_zone=oo_cache:16m",
                    "max_size=\(project.nginx.cache.maxSize)",
                    "inactive=60m",
                    "use_temp_path=off"
                )
            }
            http.blank()
            hostMaps(&http)
            blockMaps(&http)
            headerMaps(&http)
            upstreams(&http)
            proxySettings(&http)
            http.blank()
            defaultServer(&http)
            for site in sites {
                siteServers(&http, site)
            }
        }
        return nginx.text
    }

    // MARK: http-level maps

    private func hostMaps(_ http: inout NginxWriter) {
        http.comment("Which upstream host, and which upstream group, each onion host stands for.")
        http.block("map", "$host", "$oo_upstream_host") { map in
            map.directive("hostnames")
            map.entry("default", "\"\"")
            for site in sites {
                for pair in site.pairs { map.entry(pair.onionHost, pair.upstreamHost) }
            }
        }
        http.block("map", "$host", "$oo_upstream") { map in
            map.directive("hostnames")
            map.entry("default", "\"\"")
            for (siteIndex, site) in sites.enumerated() {
                for (nameIndex, pair) in site.pairs.enumerated() {
                    map.entry(pair.onionHost, upstreamName(siteIndex, nameIndex))
                }
            }
        }
        http.blank()
    }

    private func blockMaps(_ http: inout NginxWriter) {
        let block = project.nginx.block
        if !block.hosts.isEmpty {
            http.comment("Blocked hosts answer 403.")
            http.block("map", "$host", "$oo_blocked_host") { map in
                map.directive("hostnames")
                map.entry("default", "0")
                // `admin` and `admin.example.org` name the same onion host;
                // nginx refuses a map key twice.
                var seen: Set<String> = []
                for site in sites {
                    for name in block.hosts {
                        for blocked in blockedOnionHosts(name, site) where seen.insert(blocked).inserted {
                            map.entry(blocked, "1")
                        }
                    }
                }
            }
        }
        if !block.userAgents.isEmpty {
            http.comment("Blocked user agents (case-insensitive substrings) answer 403.")
            http.block("map", "$http_user_agent", "$oo_blocked_agent") { map in
                map.entry("default", "0")
                for agent in block.userAgents {
                    map.entry(NginxWriter.quoted("~*" + NginxWriter.regexLiteral(agent)), "1")
                }
            }
        }
        if !block.isEmpty { http.blank() }
    }

    /// A blocked name is a subdomain label (`admin`) or a full upstream
    /// host (`admin.example.org`); either way it blocks the onion host that
    /// stands for it.
    private func blockedOnionHosts(_ name: String, _ site: SiteNames) -> [String] {
        if name == site.site.upstream { return [site.onion] }
        if name.hasSuffix("." + site.site.upstream) {
            return [String(name.dropLast(site.site.upstream.count)) + site.onion]
        }
        if name.contains(".") && !site.site.subdomains.contains(name) { return [] }
        return ["\(name).\(site.onion)"]
    }

    private func headerMaps(_ http: inout NginxWriter) {
        http.comment("Upstream names in response headers become onion names, one occurrence per link.")
        // The same entries in every link of every chain: build them once.
        let entries = sites.map { site in
            (
                NginxWriter.quoted("~^(?<oo_a>.*)" + NginxWriter.regexLiteral(site.site.upstream) + "(?<oo_b>.*)$"),
                "\"${oo_a}\(site.onion)${oo_b}\""
            )
        }
        for (header, variable, depth) in Self.rewrittenHeaders where depth > 0 {
            var source = "$upstream_http_" + header.lowercased().replacing("-", with: "_")
            for link in 1...depth {
                let target = link == depth ? "$\(variable)" : "$\(variable)_\(link)"
                http.block("map", source, target) { map in
                    map.entry("default", source)
                    for (pattern, replacement) in entries { map.entry(pattern, replacement) }
                }
                source = target
            }
        }
        http.blank()
    }

    private func upstreams(_ http: inout NginxWriter) {
        for (siteIndex, site) in sites.enumerated() {
            for (nameIndex, pair) in site.pairs.enumerated() {
                let server = site.site.upstreamAddress ?? "\(pair.upstreamHost):443"
                http.block("upstream", upstreamName(siteIndex, nameIndex)) { upstream in
                    upstream.directive("server", server)
                    upstream.directive("keepalive", "8")
                }
            }
        }
        http.blank()
    }

    private func upstreamName(_ site: Int, _ name: Int) -> String {
        "oo_upstream_\(site)_\(name)"
    }

    // MARK: servers

    private var listenOptions: [String] {
        project.tor.exportCircuitID == .haproxy ? ["proxy_protocol"] : []
    }

    private func listen(_ server: inout NginxWriter, port: Int, defaultServer: Bool = false) {
        var arguments = ["unix:" + layout.resolve(HostLayout.nginxSocket(project: project.name, port: port))]
        if port == 443 { arguments.append("ssl") }
        arguments += listenOptions
        if defaultServer { arguments.append("default_server") }
        server.directive("listen", arguments.joined(separator: " "))
    }

    private func tls(_ server: inout NginxWriter, _ site: SiteNames) {
        server.directive(
            "ssl_certificate", layout.resolve(HostLayout.tlsCertificate(project: project.name, site: site.address)))
        server.directive(
            "ssl_certificate_key", layout.resolve(HostLayout.tlsKey(project: project.name, site: site.address)))
        server.directive("ssl_protocols", "TLSv1.2", "TLSv1.3")
    }

    /// Names that no site serves: 404, over TLS with the first site's
    /// certificate (a TLS listener needs one).
    private func defaultServer(_ http: inout NginxWriter) {
        guard let first = sites.first else { return }
        http.comment("Onion names this project does not serve.")
        http.block("server") { server in
            listen(&server, port: 80, defaultServer: true)
            listen(&server, port: 443, defaultServer: true)
            server.directive("server_name", "\"\"")
            tls(&server, first)
            server.directive("return", "404")
        }
        http.blank()
    }

    private func siteServers(_ http: inout NginxWriter, _ site: SiteNames) {
        let forceHttps = project.nginx.forceHttps
        http.comment("Site \(site.onion) -> \(site.site.upstream)")
        http.block("server") { server in
            listen(&server, port: 443)
            if !forceHttps { listen(&server, port: 80) }
            server.directive("server_name", site.onionHosts.joined(separator: " "))
            tls(&server, site)
            siteBody(&server)
        }
        if forceHttps {
            http.block("server") { server in
                listen(&server, port: 80)
                server.directive("server_name", site.onionHosts.joined(separator: " "))
                helloOnion(&server)
                server.block("location", "/") { location in
                    location.directive("return", "307", "https://$host$request_uri")
                }
            }
        }
        http.blank()
    }

    private func helloOnion(_ server: inout NginxWriter) {
        guard project.nginx.helloOnion else { return }
        server.block("location", "=", "/hello-onion") { location in
            location.directive("default_type", "text/plain")
            location.directive("return", "200", "\"Hello, Onion User!\\n\"")
        }
    }

    private func siteBody(_ server: inout NginxWriter) {
        let block = project.nginx.block
        if !block.hosts.isEmpty {
            server.block("if", "($oo_blocked_host)") { $0.directive("return", "403") }
        }
        if !block.userAgents.isEmpty {
            server.block("if", "($oo_blocked_agent)") { $0.directive("return", "403") }
        }
        helloOnion(&server)
        for path in block.paths {
            server.block("location", "^~", NginxWriter.quoted(path)) { $0.directive("return", "403") }
        }
        server.block("location", "/") { location in
            location.directive("proxy_pass", "https://$oo_upstream")
        }
    }

    /// Proxy settings and rewrites, once at http level for every site of the
    /// project (a page of one site may link to another): the servers and
    /// locations inherit them, which keeps the file linear in the number of
    /// sites. Nothing below redefines these directives, which would stop
    /// the inheritance.
    private func proxySettings(_ location: inout NginxWriter) {
        location.comment("Proxy settings and rewrites inherited by every site's location.")
        location.directive("proxy_http_version", "1.1")
        location.directive("proxy_set_header", "Host", "$oo_upstream_host")
        location.directive("proxy_set_header", "Connection", "\"\"")
        // sub_filter cannot rewrite compressed bodies.
        location.directive("proxy_set_header", "Accept-Encoding", "identity")
        for header in project.nginx.upstreamHeaders {
            location.directive("proxy_set_header", header.name, NginxWriter.quoted(header.value))
        }
        location.directive("proxy_ssl_server_name", "on")
        location.directive("proxy_ssl_name", "$oo_upstream_host")
        for site in sites {
            let domain = NginxWriter.regexLiteral(site.site.upstream)
            location.directive(
                "proxy_redirect",
                NginxWriter.quoted("~^(?<oo_rs>https?://)(?<oo_rh>([a-z0-9-]+\\.)*)\(domain)(?<oo_rp>[:/?#].*)?$"),
                "\"${oo_rs}${oo_rh}\(site.onion)${oo_rp}\""
            )
            location.directive(
                "proxy_cookie_domain",
                NginxWriter.quoted("~^(?<oo_cd>.*\\.)?\(domain)$"),
                "\"${oo_cd}\(site.onion)\""
            )
        }
        for (header, variable, depth) in Self.rewrittenHeaders where depth > 0 {
            location.directive("proxy_hide_header", header)
            location.directive("add_header", header, "$\(variable)", "always")
        }
        location.directive("sub_filter_once", "off")
        location.directive("sub_filter_types", Self.rewrittenTypes.joined(separator: " "))
        for site in sites {
            location.directive("sub_filter", NginxWriter.quoted(site.site.upstream), NginxWriter.quoted(site.onion))
            // The dot-escaped form found in inline scripts and regexes.
            location.directive(
                "sub_filter",
                NginxWriter.quoted(site.site.upstream.replacing(".", with: "\\.")),
                NginxWriter.quoted(site.onion.replacing(".", with: "\\."))
            )
        }
        if project.nginx.cache.enabled {
            location.directive("proxy_cache", "oo_cache")
            location.directive("proxy_cache_key", "$scheme$host$request_uri")
            location.directive("proxy_cache_valid", "200", "301", "302", project.nginx.cache.validFor)
        }
    }
}
