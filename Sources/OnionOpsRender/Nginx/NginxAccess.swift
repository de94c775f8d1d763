import OnionOpsCore

/// A project's access rules in nginx core terms: one `map` per part of the
/// request and rule set at http level (0 or 1, literals as anchored
/// regexes so no literal can read as a map keyword), `if (...) { return }`
/// at server level for blocks, deny lists and redirects, and inside
/// `location /` for allow lists, the cookie lock and GET-only, so that
/// `/hello-onion`, the lock's own path and fixed answers stay reachable.
struct NginxAccess {
    let access: AccessOptions
    let sites: [SiteNames]
    let forceHttps: Bool

    init(project: Project, sites: [SiteNames]) {
        access = project.nginx.access
        self.sites = sites
        forceHttps = project.nginx.forceHttps
    }

    /// block and deny maps are 1 on a match; allowOnly maps are 1 on a
    /// miss ("fails the allow list").
    enum RuleSet: String, CaseIterable {
        case block, deny, allow

        var onMatch: String { self == .allow ? "0" : "1" }
        var otherwise: String { self == .allow ? "1" : "0" }
    }

    private func rules(_ set: RuleSet) -> RequestRules {
        switch set {
        case .block: access.block
        case .deny: access.deny
        case .allow: access.allowOnly
        }
    }

    /// One part of the request: the variable it reads, and its entries.
    private struct Part {
        var name: String
        var source: String
        var hostnames = false
        var keys: [String]
    }

    private func parts(_ set: RuleSet) -> [Part] {
        let rules = rules(set)
        var parts: [Part] = []
        let hostKeys = Self.unique(rules.hosts.flatMap { name in sites.flatMap { onionHosts(for: name, in: $0) } })
        parts.append(
            Part(name: "host", source: "$host", hostnames: true, keys: hostKeys + rules.hostPatterns.map(Self.pattern)))
        parts.append(
            Part(
                name: "path", source: "$uri",
                keys: rules.paths.map { Self.quotedRegex("^" + NginxWriter.regexLiteral($0)) }
                    + rules.pathPatterns.map(Self.pattern)))
        parts.append(
            Part(
                name: "user_agent", source: "$http_user_agent",
                keys: rules.userAgents.map { Self.quotedRegex(NginxWriter.regexLiteral($0), caseless: true) }
                    + rules.userAgentPatterns.map(Self.pattern)))
        parts.append(
            Part(
                name: "referer", source: "$http_referer",
                keys: rules.referers.map(Self.exact) + rules.refererPatterns.map(Self.pattern)))
        parts.append(
            Part(
                name: "origin", source: "$http_origin",
                keys: rules.origins.map(Self.exact) + rules.originPatterns.map(Self.pattern)))
        let names = Self.unique(rules.params.map(\.name) + rules.paramPatterns.map(\.name))
        for name in names {
            let keys =
                rules.params.filter { $0.name == name }.map { Self.exact($0.value) }
                + rules.paramPatterns.filter { $0.name == name }.map { Self.pattern($0.value) }
            parts.append(Part(name: "arg_" + name, source: "$arg_" + name, keys: keys))
        }
        return parts.filter { !$0.keys.isEmpty }
    }

    private func variable(_ set: RuleSet, _ part: Part) -> String { "$oo_\(set.rawValue)_\(part.name)" }

    // MARK: http level

    func maps(_ http: inout NginxWriter) {
        for set in RuleSet.allCases {
            let parts = parts(set)
            guard !parts.isEmpty else { continue }
            switch set {
            case .block: http.comment("Blocked requests answer 403 with blockMessage.")
            case .deny: http.comment("Denied requests answer \(access.denyStatus).")
            case .allow: http.comment("Requests outside an allow list answer \(access.denyStatus).")
            }
            for part in parts {
                http.block("map", part.source, variable(set, part)) { map in
                    if part.hostnames { map.directive("hostnames") }
                    map.entry("default", set.otherwise)
                    for key in part.keys { map.entry(key, set.onMatch) }
                }
            }
            http.blank()
        }
    }

    // MARK: server level

    /// Checks every request of the server goes through before any location.
    func serverChecks(_ server: inout NginxWriter) {
        let message = NginxWriter.quoted(access.blockMessage)
        if access.suppressTor2web {
            server.block("if", "($http_x_tor2web)") { $0.directive("return", "403", message) }
        }
        for part in parts(.block) {
            server.block("if", "(\(variable(.block, part)))") { $0.directive("return", "403", message) }
        }
        for part in parts(.deny) {
            server.block("if", "(\(variable(.deny, part)))") { $0.directive("return", String(access.denyStatus)) }
        }
        for redirect in access.redirects {
            let condition: String
            switch redirect.match {
            case .host(let pattern): condition = "($host ~* \(NginxWriter.quoted(pattern)))"
            case .path(let pattern): condition = "($uri ~* \(NginxWriter.quoted(pattern)))"
            }
            // `to` is a validated URL without `$`; only `$request_uri` expands.
            let target = "\"" + redirect.to + (redirect.keepURI ? "$request_uri" : "") + "\""
            server.block("if", condition) { $0.directive("return", String(redirect.code), target) }
        }
    }

    /// The port-80 side of a forceHttps site: tor2web is refused there too,
    /// and a CA's validation files are served over plain http.
    func plainHTTPChecks(_ server: inout NginxWriter) {
        if access.suppressTor2web {
            server.block("if", "($http_x_tor2web)") {
                $0.directive("return", "403", NginxWriter.quoted(access.blockMessage))
            }
        }
        fixed(&server, access.caValidation)
    }

    /// Locations nginx answers itself.
    func locations(_ server: inout NginxWriter, site: SiteNames) {
        if let lock = access.cookieLock {
            server.block("location", "=", NginxWriter.quoted(lock)) { location in
                var cookie = "\(AccessOptions.lockCookie)=\(lock); Domain=.\(site.onion); Path=/; Max-Age=604800"
                cookie += "; HttpOnly; SameSite=Lax"
                if forceHttps { cookie += "; Secure" }
                location.directive("add_header", "Set-Cookie", NginxWriter.quoted(cookie), "always")
                location.directive("return", "200", "\"OK\\n\"")
            }
        }
        fixed(&server, access.fixedResponses + access.caValidation)
    }

    private func fixed(_ server: inout NginxWriter, _ responses: [FixedResponse]) {
        var seen: Set<String> = []
        for response in responses where seen.insert(response.path).inserted {
            server.block("location", "=", NginxWriter.quoted(response.path)) { location in
                location.directive("default_type", response.contentType)
                location.directive("return", "200", Self.quotedBody(response.body))
            }
        }
    }

    /// Inside `location /`: what only requests for the upstream must pass.
    func upstreamChecks(_ location: inout NginxWriter) {
        let status = String(access.denyStatus)
        for part in parts(.allow) {
            location.block("if", "(\(variable(.allow, part)))") { $0.directive("return", status) }
        }
        if let lock = access.cookieLock {
            location.block("if", "($cookie_\(AccessOptions.lockCookie) != \(NginxWriter.quoted(lock)))") {
                $0.directive("return", status)
            }
        }
        if access.getOnly {
            location.block("limit_except", "GET") { $0.directive("deny", "all") }
        }
    }

    // MARK: names and keys

    /// A name is a subdomain label (`admin`) or a full upstream host
    /// (`admin.example.org`); either way it stands for the onion host
    /// that serves it.
    func onionHosts(for name: String, in site: SiteNames) -> [String] {
        if name == site.site.upstream { return [site.onion] }
        if name.hasSuffix("." + site.site.upstream) {
            return [String(name.dropLast(site.site.upstream.count)) + site.onion]
        }
        if name.contains(".") && !site.site.subdomains.contains(name) { return [] }
        return ["\(name).\(site.onion)"]
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    private static func pattern(_ regex: String) -> String { quotedRegex(regex, caseless: true) }

    private static func exact(_ literal: String) -> String {
        quotedRegex("^" + NginxWriter.regexLiteral(literal) + "$")
    }

    private static func quotedRegex(_ regex: String, caseless: Bool = false) -> String {
        NginxWriter.quoted((caseless ? "~*" : "~") + regex)
    }

    /// A body for `return`: quoted, line breaks as nginx's `\n` escape.
    static func quotedBody(_ body: String) -> String {
        var out = "\""
        for scalar in body.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
