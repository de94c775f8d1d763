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
        """

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
