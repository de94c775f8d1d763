import OnionOpsCore

/// One nginx per project per host: listens on the unix sockets the
/// project's tor instances point at, picks the site by Host (and SNI), and
/// proxies to the upstream, rewriting upstream names to onion names on the
/// way back and onion names to upstream names on the way in.
///
/// Tools, least powerful first: core nginx (map, proxy_hide_header,
/// proxy_set_header, resolver) wherever it does the job exactly;
/// subs_filter for bodies (regexes with word boundaries, a few rules that
/// each find many names, and a map from the name found to its onion; see
/// BodyRewriteRules);
/// Lua for headers and request parts that carry any number of names (see
/// NginxLua). Upstream bodies are fetched with `Accept-Encoding: identity`
/// so the filters see plain text.
struct NginxConfigRenderer {
    let layout: HostLayout
    let host: Host
    let project: Project
    let sites: [SiteNames]

    private var access: NginxAccess { NginxAccess(project: project, sites: sites) }

    private var names: [NameRewrite] { NameRewrite.all(sites: sites, foreign: project.nginx.foreignSites) }

    /// Every config rewrites bodies (subs_filter) and headers (Lua).
    private var modules: [NginxModule] { [.subsFilter, .ndk, .lua] }

    func render() -> String {
        var nginx = NginxWriter(
            header: FileHeader.lines("Project \(project.name), nginx-\(project.name)", host: host.name))
        let logs = layout.resolve(HostLayout.nginxLogDirectory(project: project.name))
        nginx.blank()
        for module in modules.sorted() { nginx.directive("load_module", module.path) }
        nginx.directive("user", host.nginx.user)
        let processes = project.nginx.processes
        nginx.directive("worker_processes", processes.workers)
        nginx.directive("worker_rlimit_nofile", String(processes.openFiles))
        // The body rules' regexes run over every line of every page:
        // compiled to machine code, the proxy's CPU per rewritten 125 KB
        // page fell from 1.24 to 0.57 ms (100 names, make bench-proxy's page).
        nginx.directive("pcre_jit", "on")
        nginx.directive("pid", layout.resolve(HostLayout.nginxPidFile(project: project.name)))
        nginx.directive("error_log", "\(logs)/error.log", project.nginx.logs.errorLevel)
        nginx.blank()
        nginx.block("events") { $0.directive("worker_connections", String(processes.connections)) }
        nginx.blank()
        nginx.block("http") { http in
            // Only for what nginx answers itself (blocks, fixed answers);
            // proxied answers keep the upstream's type.
            http.directive("default_type", "text/plain")
            http.directive("server_tokens", "off")
            accessLog(&http, on: project.nginx.logs.access, format: true)
            for (name, folder) in HostLayout.nginxTempDirectories(project: project.name) {
                http.directive(name, layout.resolve(folder))
            }
            // Onion host names are 62 bytes and more: room for several per
            // bucket.
            http.directive("map_hash_bucket_size", "256")
            http.directive("server_names_hash_bucket_size", "256")
            // Big enough for every onion host of a project with thousands
            // of sites; nginx refuses to start when a hash does not fit.
            let hashSize = String(hashMaxSize)
            http.directive("map_hash_max_size", hashSize)
            http.directive("server_names_hash_max_size", hashSize)
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
            access.maps(&http)
            cacheMaps(&http)
            requestMaps(&http)
            proxySettings(&http)
            bodyRewrites(&http)
            luaBlocks(&http)
            http.blank()
            defaultServer(&http)
            for site in sites {
                siteServers(&http, site)
            }
        }
        return nginx.text
    }

    // MARK: http-level maps

    /// Four slots per onion host name, rounded up to a power of two.
    private var hashMaxSize: Int {
        let names = sites.reduce(0) { $0 + $1.pairs.count } * 2
        var size = 1024
        while size < names * 4 { size *= 2 }
        return size
    }

    private var anyDepth: Bool { project.nginx.subdomains == .any }

    private var defaultPort: Int { project.nginx.upstream.scheme == .https ? 443 : 80 }

    /// `$oo_upstream_host` is the upstream host an onion host stands for;
    /// `$oo_target` is where nginx connects (that host and the default
    /// port, or the site's upstreamAddress).
    private func hostMaps(_ http: inout NginxWriter) {
        if anyDepth {
            http.comment("The subdomain part of an onion host, at any depth: x.y.<onion> -> x.y.")
            http.block("map", "$host", "$oo_subdomain") { map in
                map.entry("default", "\"\"")
                map.entry(NginxWriter.quoted("~^(?<oo_sub>.+\\.)[a-z2-7]{56}\\.onion$"), "$oo_sub")
            }
        }
        http.comment("Which upstream host each onion host stands for.")
        http.block("map", "$host", "$oo_upstream_host") { map in
            map.directive("hostnames")
            map.entry("default", "\"\"")
            for site in sites {
                if anyDepth {
                    // `.<onion>` matches the onion and every name under it.
                    map.entry("." + site.onion, "\"${oo_subdomain}\(site.site.upstream)\"")
                } else {
                    for pair in site.pairs { map.entry(pair.onionHost, pair.upstreamHost) }
                }
            }
        }
        http.block("map", "$host", "$oo_target") { map in
            map.directive("hostnames")
            map.entry("default", "\"\"")
            for site in sites {
                let target = site.site.upstreamAddress ?? "${oo_upstream_host}:\(defaultPort)"
                if anyDepth {
                    map.entry("." + site.onion, "\"\(target)\"")
                } else {
                    for pair in site.pairs { map.entry(pair.onionHost, "\"\(target)\"") }
                }
            }
        }
        http.blank()
    }

    /// Hosts and answer types the cache never stores (the type is the
    /// answer's, read after the upstream replied).
    private func cacheMaps(_ http: inout NginxWriter) {
        let cache = project.nginx.cache
        guard cache.enabled, !(cache.skipHosts.isEmpty && cache.skipContentTypes.isEmpty) else { return }
        if !cache.skipHosts.isEmpty {
            http.block("map", "$host", "$oo_cache_skip_host") { map in
                map.directive("hostnames")
                map.entry("default", "0")
                var seen: Set<String> = []
                for site in sites {
                    for name in cache.skipHosts {
                        for host in access.onionHosts(for: name, in: site) where seen.insert(host).inserted {
                            map.entry(host, "1")
                        }
                    }
                }
            }
        }
        if !cache.skipContentTypes.isEmpty {
            http.block("map", "$upstream_http_content_type", "$oo_cache_skip_type") { map in
                map.entry("default", "0")
                for type in cache.skipContentTypes {
                    map.entry(NginxWriter.quoted("~*^" + NginxWriter.regexLiteral(type)), "1")
                }
            }
        }
        http.blank()
    }

    private func requestMaps(_ http: inout NginxWriter) {
        http.comment("WebSockets: pass Upgrade on, close other upstream connections.")
        http.block("map", "$http_upgrade", "$oo_connection") { map in
            map.entry("default", "upgrade")
            map.entry("\"\"", "close")
        }
        http.blank()
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
        server.directive("ssl_certificate", certificatePath(site))
        server.directive("ssl_certificate_key", keyPath(site))
        server.directive("ssl_protocols", "TLSv1.2", "TLSv1.3")
    }

    /// The site's own certificate, or the project's umbrella certificate
    /// (`tls.scope: project`), which every server of the project shares.
    private func certificatePath(_ site: SiteNames) -> String {
        project.nginx.tls.scope == .project
            ? layout.resolve(HostLayout.tlsProjectCertificate(project: project.name))
            : layout.resolve(HostLayout.tlsCertificate(project: project.name, site: site.address))
    }

    private func keyPath(_ site: SiteNames) -> String {
        project.nginx.tls.scope == .project
            ? layout.resolve(HostLayout.tlsProjectKey(project: project.name))
            : layout.resolve(HostLayout.tlsKey(project: project.name, site: site.address))
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

    /// Any depth: the onion and every name under it; listed: exactly the
    /// apex and the listed subdomains.
    private func serverNames(_ site: SiteNames) -> String {
        anyDepth ? "\(site.onion) *.\(site.onion)" : site.onionHosts.joined(separator: " ")
    }

    private func siteServers(_ http: inout NginxWriter, _ site: SiteNames) {
        let forceHttps = project.nginx.forceHttps
        http.comment("Site \(site.onion) -> \(site.site.upstream)")
        http.block("server") { server in
            listen(&server, port: 443)
            if !forceHttps { listen(&server, port: 80) }
            server.directive("server_name", serverNames(site))
            tls(&server, site)
            if let own = site.site.accessLog, own != project.nginx.logs.access {
                accessLog(&server, on: own, format: false)
            }
            siteBody(&server, site)
        }
        if forceHttps {
            http.block("server") { server in
                listen(&server, port: 80)
                server.directive("server_name", serverNames(site))
                access.plainHTTPChecks(&server)
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
        // Onionspray's spellings: hello-onion or hello_onion, with or
        // without a trailing slash.
        server.block("location", "~", "\"^/hello[-_]onion/?$\"") { location in
            location.directive("default_type", "text/plain")
            location.directive("return", "200", "\"Hello, Onion User!\\n\"")
        }
    }

    private func siteBody(_ server: inout NginxWriter, _ site: SiteNames) {
        let access = self.access
        access.serverChecks(&server)
        helloOnion(&server)
        access.locations(&server, site: site)
        server.block("location", "/") { location in
            access.upstreamChecks(&location)
            // A variable target: nginx resolves names per request through
            // `resolver` (no upstream{} block, so no keepalive pool).
            location.directive("proxy_pass", "\(project.nginx.upstream.scheme.rawValue)://$oo_target")
        }
    }

    /// Access logs name the site and the path, never the client (only ever
    /// the unix socket), the query string, the referer or the user agent.
    private func accessLog(_ writer: inout NginxWriter, on: Bool, format: Bool) {
        let anySite = project.nginx.logs.access || sites.contains { $0.site.accessLog == true }
        if format && anySite {
            writer.directive(
                "log_format", "oo_onion",
                "'$time_iso8601 \"$host\" $request_method \"$uri\" $server_protocol $status $body_bytes_sent $request_time'"
            )
        }
        if on {
            let logs = layout.resolve(HostLayout.nginxLogDirectory(project: project.name))
            writer.directive("access_log", "\(logs)/access.log", "oo_onion")
        } else {
            writer.directive("access_log", "off")
        }
    }

    /// Proxy settings and rewrites, once at http level for every site of the
    /// project (a page of one site may link to another): the servers and
    /// locations inherit them, which keeps the file linear in the number of
    /// sites. Nothing below redefines these directives, which would stop
    /// the inheritance.
    private func proxySettings(_ http: inout NginxWriter) {
        let options = project.nginx
        let upstream = options.upstream
        http.comment("Proxy settings inherited by every site's location.")
        http.directive("resolver", (upstream.resolver + ["valid=\(upstream.resolverValid)"]).joined(separator: " "))
        http.directive("resolver_timeout", upstream.resolverTimeout)
        http.directive("proxy_connect_timeout", upstream.connectTimeout)
        http.directive("proxy_read_timeout", upstream.readTimeout)
        http.directive("proxy_send_timeout", upstream.sendTimeout)
        http.directive("client_max_body_size", options.requests.maxBodySize)
        if options.requests.deonionifyPostBodies {
            // Bodies stay in memory, where Lua can rewrite them.
            http.directive("client_body_buffer_size", options.requests.maxBodySize)
        }
        http.directive("proxy_http_version", "1.1")
        http.directive("proxy_set_header", "Host", "$oo_upstream_host")
        http.directive("proxy_set_header", "Upgrade", "$http_upgrade")
        http.directive("proxy_set_header", "Connection", "$oo_connection")
        // The filters cannot rewrite compressed bodies.
        http.directive("proxy_set_header", "Accept-Encoding", "identity")
        if let origin = options.requests.injectOrigin {
            http.directive("proxy_set_header", "Origin", NginxWriter.quoted(origin))
        }
        if let referer = options.requests.injectReferer {
            http.directive("proxy_set_header", "Referer", NginxWriter.quoted(referer))
        }
        if project.tor.exportCircuitID == .haproxy {
            http.directive("proxy_set_header", "X-Onion-CircuitID", "$proxy_protocol_addr")
        }
        for header in options.upstreamHeaders {
            http.directive("proxy_set_header", header.name, NginxWriter.quoted(header.value))
        }
        if upstream.scheme == .https {
            http.directive("proxy_ssl_server_name", "on")
            http.directive("proxy_ssl_name", "$oo_upstream_host")
            http.directive("proxy_ssl_protocols", "TLSv1.2", "TLSv1.3")
            if upstream.verifyTLS {
                http.directive("proxy_ssl_verify", "on")
                http.directive("proxy_ssl_verify_depth", "4")
                trustedCAs(&http, upstream)
            }
        }
        let responses = options.responses
        var hidden: [String] = []
        if responses.suppressHSTS { hidden.append("Strict-Transport-Security") }
        if responses.suppressHPKP { hidden += ["Public-Key-Pins", "Public-Key-Pins-Report-Only"] }
        if responses.suppressCSP { hidden += ["Content-Security-Policy", "Content-Security-Policy-Report-Only"] }
        if responses.purgeFingerprints { hidden += ResponseOptions.fingerprintHeaders.filter { $0 != "Server" } }
        for header in hidden { http.directive("proxy_hide_header", header) }
        let buffers = options.buffers
        http.directive("proxy_buffering", "on")
        http.directive("proxy_buffer_size", buffers.size)
        http.directive("proxy_buffers", String(buffers.count), buffers.size)
        http.directive("proxy_busy_buffers_size", buffers.busySize)
        http.directive("proxy_max_temp_file_size", buffers.maxTempFileSize)
        http.directive("proxy_temp_file_write_size", buffers.busySize)
        let cache = options.cache
        if cache.enabled {
            http.directive("proxy_cache", "oo_cache")
            http.directive("proxy_cache_key", "$scheme$host$request_uri")
            if cache.anyStatus {
                http.directive("proxy_cache_valid", "any", cache.validFor)
            } else {
                http.directive("proxy_cache_valid", "200", "301", "302", cache.validFor)
            }
            http.directive("proxy_cache_min_uses", String(cache.minUses))
            // A storm of visitors is served the stale copy while one
            // request refreshes it.
            http.directive("proxy_cache_use_stale", "timeout", "updating")
            http.directive("proxy_cache_revalidate", "on")
            if !cache.skipHosts.isEmpty {
                http.directive("proxy_cache_bypass", "$oo_cache_skip_host")
            }
            let skips =
                (cache.skipHosts.isEmpty ? [] : ["$oo_cache_skip_host"])
                + (cache.skipContentTypes.isEmpty ? [] : ["$oo_cache_skip_type"])
            if !skips.isEmpty { http.directive("proxy_no_cache", skips.joined(separator: " ")) }
        }
        http.blank()
    }

    /// nginx 1.22 gives every site's location a TLS context of its own and
    /// loads the trusted file into each: the system bundle (140 CAs) cost
    /// about 20 ms and 0.9 MB per site on every start and reload. A CA
    /// folder is looked up per handshake instead (OpenSSL's VerifyCAPath,
    /// the store it verifies the upstream's chain against). nginx still
    /// wants a file for proxy_ssl_verify: the first site's own certificate,
    /// which only fills the context's own store and trusts nothing.
    private func trustedCAs(_ http: inout NginxWriter, _ upstream: UpstreamOptions) {
        if let caFile = upstream.caFile {
            http.directive("proxy_ssl_trusted_certificate", caFile)
            return
        }
        if let first = sites.first {
            http.directive("proxy_ssl_trusted_certificate", certificatePath(first))
        }
        http.directive("proxy_ssl_conf_command", "VerifyCAPath", upstream.caDirectory)
    }

    /// Upstream names become onion names in bodies: preserved strings are
    /// swapped for placeholders first and back last, as Onionspray does.
    private func bodyRewrites(_ http: inout NginxWriter) {
        let rewrite = project.nginx.rewrite
        let bodyRules = BodyRewriteRules(names: names, hardMode: rewrite.hardMode)
        if !bodyRules.map.isEmpty {
            http.comment("The onion for each spelling of an upstream name the body rules find (see BodyRewriteRules).")
            http.block("map", "$1", "$" + BodyRewriteRules.variable) { map in
                map.directive("volatile")
                for entry in bodyRules.map { map.entry(NginxWriter.quoted(entry.key), NginxWriter.quoted(entry.value)) }
            }
        }
        http.comment("Body rewriting (subs_filter, applied in this order).")
        // subs_filter always rewrites text/html, and warns when it is listed.
        let types = rewrite.types.filter { $0 != "text/html" }
        if !types.isEmpty { http.directive("subs_filter_types", types.joined(separator: " ")) }
        let placeholders = rewrite.preserve.enumerated().map { index, text in
            (text, "oopreserve\(Self.nonce(project.name + "\u{0}" + text))x\(index)")
        }
        for (text, placeholder) in placeholders {
            http.directive("subs_filter", NginxWriter.quoted(text), placeholder)
        }
        if rewrite.disableSRI {
            // Rewritten scripts and styles no longer match their hashes.
            http.directive(
                "subs_filter", NginxWriter.quoted("\\sintegrity\\s*=\\s*(\"[^\"]*\"|'[^']*'|[^\\s>]+)"),
                "\"\"", "gir")
        }
        for rule in bodyRules.rules {
            http.directive("subs_filter", NginxWriter.quoted(rule.pattern), NginxWriter.quoted(rule.replacement), "gir")
        }
        for (text, placeholder) in placeholders {
            http.directive("subs_filter", placeholder, NginxWriter.quoted(text))
        }
        http.blank()
    }

    private func luaBlocks(_ http: inout NginxWriter) {
        let lua = NginxLua(project: project, names: names)
        http.comment("Headers and request parts that carry any number of names (Lua).")
        http.luaBlock("init_by_lua_block", lua.initLines)
        http.luaBlock("rewrite_by_lua_block", lua.rewriteLines)
        http.luaBlock("header_filter_by_lua_block", lua.headerFilterLines)
        if project.nginx.rewrite.dropUnrewritable {
            http.luaBlock("body_filter_by_lua_block", lua.bodyFilterLines)
        }
        http.blank()
    }

    /// A placeholder no page is likely to contain, the same on every render.
    static func nonce(_ text: String) -> String {
        var hash: UInt64 = 1_469_598_103_934_665_603
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return String(hash, radix: 36)
    }
}
