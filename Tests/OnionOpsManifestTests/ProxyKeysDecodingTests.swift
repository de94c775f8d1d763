import OnionOpsCore
import OnionOpsManifest
import OnionOpsTestSupport
import Testing

/// The proxying keys under a project's `nginx:`, good and bad: each bad
/// value is reported with its code at its own line and column.
@Suite("proxy keys: decoding and validation")
struct ProxyKeysDecodingTests {
    /// A project whose `nginx:` block is `body`, indented under it; its
    /// first line is line 14 of the file.
    static func manifest(_ body: String) -> String {
        let indented = body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "    " + $0 }.joined(separator: "\n")
        return """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: h}
            spec: {local: {root: /tmp/oo/h}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: p}
            spec:
              mode: hardmap
              placement: {hosts: [h]}
              sites: [{onion: \(TestOnions.a), upstream: example.org}]
              nginx:
            \(indented)
            """
    }

    static func load(_ body: String) -> LoadResult {
        ManifestLoader().load([ManifestFile(path: "p.yaml", text: manifest(body))])
    }

    @Test("defaults are a careful Onionspray operator's")
    func defaults() throws {
        let result = Self.load("forceHttps: true")
        #expect(result.isValid, "\(result.diagnostics)")
        let nginx = try #require(result.topology.projects.first?.nginx)
        #expect(nginx.subdomains == .any)
        #expect(nginx.upstreamHeaders == [HeaderField(name: "X-From-Onion", value: "1")])
        #expect(nginx.rewrite == RewriteOptions())
        #expect(nginx.rewrite.hardMode == 0)
        #expect(nginx.requests.maxBodySize == "4m")
        #expect(nginx.responses.suppressHSTS && nginx.responses.suppressHPKP && !nginx.responses.suppressCSP)
        #expect(nginx.upstream.verifyTLS)
        #expect(nginx.upstream.scheme == .https)
        #expect(nginx.upstream.caFile == nil)
        #expect(nginx.upstream.caDirectory == "/etc/ssl/certs")
        #expect(nginx.upstream.resolver == ["127.0.0.1"])
    }

    @Test("every key decodes into the model")
    func everyKey() throws {
        let result = Self.load(
            """
            forceHttps: false
            subdomains: listed
            upstreamHeaders: []
            foreignSites: [{onion: \(TestOnions.b), upstream: other.org}]
            rewrite: {hardMode: 2, preserve: [user@example.org], types: [text/html], disableSRI: true, dropUnrewritable: true}
            requests: {deonionifyPostBodies: true, injectOrigin: https://example.org, injectReferer: null, maxBodySize: 10m}
            responses: {suppressHSTS: false, suppressHPKP: false, suppressCSP: true, purgeFingerprints: false}
            upstream: {scheme: http, resolver: [127.0.0.1, "[::1]:53"], resolverValid: 30s, resolverTimeout: 5s, connectTimeout: 3s, readTimeout: 20s, sendTimeout: 20s, verifyTLS: false, caFile: /etc/ca.pem, caDirectory: /etc/cas}
            """)
        #expect(result.isValid, "\(result.diagnostics)")
        let nginx = try #require(result.topology.projects.first?.nginx)
        #expect(nginx.subdomains == .listed)
        #expect(nginx.upstreamHeaders.isEmpty)
        #expect(nginx.foreignSites == [ForeignSite(onion: TestOnions.b, upstream: "other.org")])
        #expect(
            nginx.rewrite
                == RewriteOptions(
                    hardMode: 2, preserve: ["user@example.org"], types: ["text/html"], disableSRI: true,
                    dropUnrewritable: true))
        #expect(
            nginx.requests
                == RequestOptions(
                    deonionifyPostBodies: true, injectOrigin: "https://example.org", injectReferer: nil,
                    maxBodySize: "10m"))
        #expect(
            nginx.responses
                == ResponseOptions(
                    suppressHSTS: false, suppressHPKP: false, suppressCSP: true, purgeFingerprints: false)
        )
        #expect(
            nginx.upstream
                == UpstreamOptions(
                    scheme: .http, resolver: ["127.0.0.1", "[::1]:53"], resolverValid: "30s", resolverTimeout: "5s",
                    connectTimeout: "3s", readTimeout: "20s", sendTimeout: "20s", verifyTLS: false,
                    caFile: "/etc/ca.pem", caDirectory: "/etc/cas"))
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var body: String
        var code: DiagnosticCode
        var line: Int
        var column: Int
        var testDescription: String { "\(code.rawValue): \(body)" }
    }

    // Line 14 is the first line of the nginx body; its values start at column 5.
    static let bad: [Bad] = [
        Bad(body: "subdomains: some", code: .invalidValue, line: 14, column: 17),
        Bad(body: "rewrite: {hardMode: 3}", code: .valueOutOfRange, line: 14, column: 25),
        Bad(body: "rewrite: {hardMode: x}", code: .typeMismatch, line: 14, column: 25),
        Bad(body: "rewrite: {disableSRI: yes}", code: .typeMismatch, line: 14, column: 27),
        Bad(body: "rewrite: {colour: red}", code: .unknownKey, line: 14, column: 15),
        Bad(body: "rewrite:\n  preserve: [\"a;b\"]", code: .configInjection, line: 15, column: 18),
        Bad(body: "rewrite:\n  preserve: [\"a{b\"]", code: .configInjection, line: 15, column: 18),
        Bad(body: "rewrite:\n  preserve: [\"a\\nb\"]", code: .configInjection, line: 15, column: 18),
        Bad(body: "rewrite:\n  types: [Text/HTML]", code: .invalidValue, line: 15, column: 15),
        Bad(body: "rewrite:\n  types: [\"text/html;x\"]", code: .configInjection, line: 15, column: 15),
        Bad(
            body: "foreignSites: [{onion: x.onion, upstream: o.org}]", code: .invalidOnionAddress, line: 14, column: 28),
        Bad(body: "foreignSites: [{onion: \(TestOnions.b)}]", code: .missingKey, line: 14, column: 20),
        Bad(
            body: "foreignSites: [{onion: \(TestOnions.b), upstream: \"o.org}\"}]", code: .configInjection,
            line: 14, column: 102),
        Bad(body: "requests: {injectOrigin: ftp://x.org}", code: .invalidValue, line: 14, column: 30),
        Bad(body: "requests: {injectReferer: \"https://x.org/$a\"}", code: .configInjection, line: 14, column: 31),
        Bad(body: "requests: {maxBodySize: 4 MB}", code: .invalidValue, line: 14, column: 29),
        Bad(body: "responses: {suppressHSTS: 1}", code: .typeMismatch, line: 14, column: 31),
        Bad(body: "upstream: {scheme: http}", code: .invalidOption, line: 14, column: 24),
        Bad(body: "upstream: {scheme: gopher}", code: .invalidValue, line: 14, column: 24),
        Bad(body: "upstream: {resolver: [dns.example]}", code: .invalidValue, line: 14, column: 27),
        Bad(body: "upstream: {resolver: [\"1.1.1.1;\"]}", code: .configInjection, line: 14, column: 27),
        Bad(body: "upstream: {resolver: [\"1.1.1.1\\n\"]}", code: .configInjection, line: 14, column: 27),
        Bad(body: "upstream: {resolver: []}", code: .invalidValue, line: 14, column: 26),
        Bad(body: "upstream: {readTimeout: 1 minute}", code: .invalidValue, line: 14, column: 29),
        Bad(body: "upstream: {caFile: etc/ca.pem}", code: .invalidPath, line: 14, column: 24),
        Bad(body: "upstream: {caFile: \"/etc/ca{.pem\"}", code: .configInjection, line: 14, column: 24),
        Bad(body: "upstream: {caDirectory: etc/cas}", code: .invalidPath, line: 14, column: 29),
        Bad(body: "upstream: {caDirectory: \"/etc/c;as\"}", code: .configInjection, line: 14, column: 29),
        Bad(body: "upstream: {verifyTLS: off}", code: .typeMismatch, line: 14, column: 27),
    ]

    @Test("bad values are refused at their own line and column", arguments: bad)
    func refused(_ bad: Bad) {
        let result = Self.load(bad.body)
        #expect(!result.isValid)
        let found = result.diagnostics.map {
            "\($0.code.rawValue)@\($0.location?.line ?? 0):\($0.location?.column ?? 0)"
        }
        #expect(found.contains("\(bad.code.rawValue)@\(bad.line):\(bad.column)"), "\(found)")
    }
}
