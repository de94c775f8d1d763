import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsTestSupport
import Testing

/// The real nginx binary, with the Debian modules the config loads, judges
/// a project using every proxy key and a project of 1,000 sites.
@Suite("proxy configs accepted by nginx", .enabled(if: Command.isRoot, "needs root to set owners"), .serialized)
struct ProxyConfigAcceptanceTests {
    static func onion(_ number: Int) -> String {
        var key = [UInt8](repeating: 9, count: 32)
        key[0] = UInt8(number & 0xFF)
        key[1] = UInt8(number >> 8)
        return OnionAddress(publicKey: key).description
    }

    static func manifest(sites: Int, domain: String = "example.org", nginx: String) -> String {
        let list = (0..<sites).map { "    - {onion: \(onion($0)), upstream: s\($0).\(domain)}" }
        return """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: edge-1}
            spec: {local: {root: /tmp/oo/edge-1}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: big}
            spec:
              mode: hardmap
              placement: {hosts: [edge-1]}
              tor: {exportCircuitID: haproxy}
              sites:
            \(list.joined(separator: "\n"))
              nginx:
            \(nginx)
            """
    }

    /// Every proxy key set away from its default.
    static let everyKey = """
            forceHttps: false
            subdomains: listed
            upstreamHeaders: [{name: X-Gateway, value: onionops}]
            foreignSites: [{onion: \(TestOnions.a), upstream: other.org}]
            rewrite:
              hardMode: 2
              preserve: [user@s0.example.org, "s1.example.org/keep"]
              types: [text/html, application/json]
              disableSRI: true
              dropUnrewritable: true
            requests:
              deonionifyPostBodies: true
              injectOrigin: https://s0.example.org
              injectReferer: https://s0.example.org/start
              maxBodySize: 16m
            responses: {suppressHSTS: false, suppressHPKP: false, suppressCSP: true, purgeFingerprints: true}
            upstream:
              scheme: http
              resolver: [127.0.0.1, "127.0.0.2:5353", "[::1]:53"]
              resolverValid: 30s
              resolverTimeout: 5s
              connectTimeout: 3s
              readTimeout: 20s
              sendTimeout: 20s
            block:
              paths: [/wp-admin]
              pathPatterns: ['\\.php$']
              hosts: [admin]
              hostPatterns: ['^adm[0-9]+\\.']
              userAgents: [BadBot]
              userAgentPatterns: ['^curl/']
              referers: [https://spam.example/]
              refererPatterns: [casino]
              origins: [https://evil.example]
              originPatterns: [evil]
              params: [{name: debug, value: "1"}]
              paramPatterns: [{name: q, pattern: 'drop\\s+table'}]
            deny: {userAgents: [scraper], paths: [/private]}
            allowOnly: {originPatterns: ['onion$']}
            blockMessage: "Not over the onion, sorry."
            denyStatus: 444
            suppressTor2web: true
            getOnly: true
            cookieLock: /unlock-4f2a9c
            redirects:
              - {host: '^old\\.', to: 'https://www.s0.example.org', code: 301}
              - {path: '^/gone/', to: 'https://s0.example.org/moved', keepURI: false}
            fixedResponses: [{path: /robots.txt, body: "User-agent: *\\nDisallow: /private\\n"}]
            caValidation: [{path: /.well-known/pki-validation/abc.txt, body: "token"}]
            cache:
              enabled: true
              validFor: 60s
              anyStatus: true
              minUses: 2
              skipContentTypes: [video/mp4]
              skipHosts: [live]
            workers: {processes: 2, connections: 4096, openFiles: 16384}
            buffers: {size: 16k, count: 16, busySize: 32k, maxTempFileSize: "0"}
            logs: {access: true, errorLevel: notice}
        """

    /// Characters that would end a quoted nginx string, a directive or a
    /// block if they were not quoted, in every field written inside quotes.
    static let quotedAttack = #"a;b"c{d}e'f#g`h\i"#

    static func quotedFields(_ value: String) -> String {
        let pattern = #"[;"{}'#$`]\x"#
        let yaml = { (text: String) in "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        return """
                block:
                  userAgents: [\(yaml(value))]
                  referers: [\(yaml(value))]
                  origins: [\(yaml(value))]
                  params: [{name: p, value: \(yaml(value))}]
                  userAgentPatterns: [\(yaml(pattern))]
                  paramPatterns: [{name: q, pattern: \(yaml(pattern))}]
                deny: {hostPatterns: [\(yaml(pattern))], refererPatterns: [\(yaml(pattern))]}
                allowOnly: {originPatterns: [\(yaml(pattern))], pathPatterns: [\(yaml(pattern))]}
                blockMessage: \(yaml(value))
                redirects: [{path: \(yaml(pattern)), to: https://s0.example.org}]
                fixedResponses: [{path: /t.txt, body: \(yaml(value + "\n" + value))}]
            """
    }

    func nginxTest(_ text: String) throws -> String {
        let result = ManifestLoader().load([ManifestFile(path: "big.yaml", text: text)])
        try #require(result.isValid, "\(result.diagnostics.map(\.description))")
        let sandbox = try RenderFixtures.placeInSandbox(result.topology, certificate: try TestCertificate.make())
        defer { sandbox.folder.remove() }
        let host = try #require(sandbox.state.hosts.first)
        let layout = HostLayout(root: host.root)
        let config = layout.resolve(HostLayout.nginxConfig(project: "big"))
        let run = try Command.run("/usr/sbin/nginx", ["-t", "-q", "-c", config, "-p", host.root])
        #expect(run.succeeded, "\(run.output)")
        return try String(contentsOfFile: config, encoding: .utf8)
    }

    @Test("a project using every proxy key passes nginx -t")
    func everyKeyAccepted() throws {
        let text = try nginxTest(Self.manifest(sites: 3, nginx: Self.everyKey))
        #expect(text.contains("proxy_pass http://$oo_target"))
        #expect(text.contains("X-Onion-CircuitID $proxy_protocol_addr"))
        #expect(text.contains("body_filter_by_lua_block"))
        #expect(!text.contains("proxy_ssl_verify on"))
    }

    @Test("quotes, braces, ';' and '#' in quoted fields stay data: nginx -t passes, no entry is added")
    func quotedFieldsStayData() throws {
        let text = try nginxTest(Self.manifest(sites: 1, nginx: Self.quotedFields(Self.quotedAttack)))
        // The user-agent map holds exactly its one literal and one pattern.
        // (The values hold '}' themselves: the map ends at a line of its own.)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let start = lines.firstIndex(of: "map $http_user_agent $oo_block_user_agent {")
        let entries = start.map { Array(lines[($0 + 1)...].prefix { $0 != "}" }) }
        #expect(entries?.count == 3, "\(entries ?? [])")
        #expect(text.contains(#"return 403 "a;b\"c{d}e'f#g`h\\i";"#), "\(text)")
    }

    @Test("an umbrella certificate (tls.scope: project) passes nginx -t: every server names the one certificate")
    func umbrellaAccepted() throws {
        let text = try nginxTest(Self.manifest(sites: 3, nginx: "    tls: {scope: project}"))
        let certificates = Set(
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.hasPrefix("ssl_certificate ") })
        #expect(certificates.count == 1, "\(certificates)")
        #expect(certificates.first?.hasSuffix("/tls/project.crt;") == true)
        // The default server and three sites.
        #expect(text.components(separatedBy: "ssl_certificate_key ").count - 1 == 4)
    }

    /// The body rules find many names each (BodyRewriteRules): a few rules,
    /// each argument under nginx's 4 KB limit, and in hard mode 2 with names
    /// of three dots a map of 64 spellings per name.
    @Test("1,000 sites in one project pass nginx -t; so do 300 in hard mode 2")
    func thousandSites() throws {
        // Hard mode 2 with 300 sites (19,200 keys): the map's load is what
        // it checks, and a larger one slows the suites running beside it.
        for (sites, hardMode, domain) in [(1000, 0, "example.org"), (300, 2, "www.example.org")] {
            let text = try nginxTest(
                Self.manifest(
                    sites: sites, domain: domain, nginx: "    forceHttps: true\n    rewrite: {hardMode: \(hardMode)}"))
            let rules = text.split(separator: "\n").filter { $0.contains("subs_filter \"") }
            #expect(rules.count > 1 && rules.count < 40, "hard mode \(hardMode): \(rules.count) rules")
            #expect(rules.allSatisfy { $0.utf8.count < 4096 }, "hard mode \(hardMode)")
        }
    }
}
