import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsTestSupport
import Testing

/// The rendered nginx, running for real on its unix sockets, in front of a
/// local HTTPS upstream (a second nginx, self-signed, on 127.0.0.1) whose
/// pages, redirects, cookies and headers name the upstream domain and its
/// subdomains. curl speaks to the onion side through the unix socket, as
/// tor would, and sees onion names everywhere.
@Suite("nginx proxy end to end", .enabled(if: Command.isRoot, "nginx workers drop to www-data"), .serialized)
final class ProxyEndToEndTests {
    static let onion = TestOnions.a

    let folder: TemporaryFolder
    let upstream: BackgroundProcess
    let proxy: BackgroundProcess
    let port: Int
    let socketDirectory: String

    init() throws {
        folder = try TemporaryFolder(prefix: "oo-e2e")
        let certificate = try TestCertificate.make(
            commonName: "example.org",
            alternativeNames: ["example.org", "www.example.org", "static.example.org", "x.y.example.org"])
        try folder.write("up/cert.pem", certificate.certificatePEM)
        try folder.write("up/key.pem", certificate.keyPEM)

        // The upstream: retry a few random ports in case one is taken.
        var started: (BackgroundProcess, Int)?
        for attempt in 0..<5 {
            let candidate = Int.random(in: 20_000..<60_000)
            try folder.write("up/nginx.conf", Self.upstreamConfig(folder: folder.path + "/up", port: candidate))
            let process = try BackgroundProcess(
                "/usr/sbin/nginx",
                ["-c", folder.path + "/up/nginx.conf", "-p", folder.path + "/up", "-g", "daemon off;"],
                log: folder.path + "/up/run-\(attempt).log"
            )
            if process.wait(upTo: 5, until: { Self.isListening(port: candidate) }) {
                started = (process, candidate)
                break
            }
            process.stop()
        }
        guard let (upstreamProcess, upstreamPort) = started else {
            throw SandboxTree.Failure(description: "the upstream nginx did not start")
        }
        upstream = upstreamProcess
        port = upstreamPort

        // The proxy: a one-project topology rendered and put in place.
        // The proxy verifies the upstream's certificate: it trusts the
        // test upstream's self-signed one.
        let manifest = Self.manifest(
            root: folder.path + "/edge-1", upstreamPort: port, caFile: folder.path + "/up/cert.pem")
        let result = ManifestLoader().load([ManifestFile(path: "e2e.yaml", text: manifest)])
        guard result.isValid else {
            throw SandboxTree.Failure(description: result.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let sandbox = try RenderFixtures.placeInSandbox(result.topology, certificate: certificate)
        // placeInSandbox relocates under its own folder; keep both for clean-up.
        let host = try #require(sandbox.state.hosts.first)
        let layout = HostLayout(root: host.root)
        socketDirectory = layout.resolve(HostLayout.nginxSocketDirectory(project: "site"))
        let config = layout.resolve(HostLayout.nginxConfig(project: "site"))
        proxy = try BackgroundProcess(
            "/usr/sbin/nginx",
            ["-c", config, "-p", host.root, "-g", "daemon off;"],
            log: folder.path + "/proxy.log"
        )
        let socket = socketDirectory + "/p443.sock"
        guard proxy.wait(upTo: 5, until: { FileManager.default.fileExists(atPath: socket) }) else {
            throw SandboxTree.Failure(description: "the proxy nginx did not start: \(proxy.log)")
        }
        sandboxFolder = sandbox.folder
    }

    private var sandboxFolder: TemporaryFolder?

    deinit {
        proxy.stop()
        upstream.stop()
        sandboxFolder?.remove()
        folder.remove()
    }

    // MARK: Fixtures

    static func manifest(root: String, upstreamPort: Int, caFile: String) -> String {
        OneSiteManifest.text(
            root: root, onion: onion, upstreamAddress: "127.0.0.1:\(upstreamPort)", subdomains: "[www, static]",
            nginx: """
                block:
                  paths: [/wp-admin]
                  userAgents: [EvilBot]
                upstreamHeaders:
                  - {name: X-Onion-Gateway, value: onionops}
                rewrite: {hardMode: 1, preserve: [keep@example.org], disableSRI: true, dropUnrewritable: true}
                upstream: {caFile: \(caFile)}
                foreignSites: [{onion: \(TestOnions.c), upstream: other.org}]
                """)
    }

    static func upstreamConfig(folder: String, port: Int) -> String {
        """
        pid \(folder)/nginx.pid;
        error_log \(folder)/error.log warn;
        events { worker_connections 64; }
        http {
            access_log off;
            client_body_temp_path \(folder)/tmp;
            proxy_temp_path \(folder)/tmp;
            server {
                listen 127.0.0.1:\(port) ssl;
                server_name example.org www.example.org static.example.org x.y.example.org;
                ssl_certificate \(folder)/cert.pem;
                ssl_certificate_key \(folder)/key.pem;
                location = / {
                    default_type text/html;
                    add_header Content-Security-Policy "default-src 'self' https://example.org; img-src https://static.example.org https://www.example.org";
                    add_header Set-Cookie "session=1; Domain=.example.org; Path=/";
                    return 200 '<a href="https://www.example.org/news">news</a> <img src="//static.example.org/x.png"> <script>var re = /example\\.org/;</script>';
                }
                location = /moved { return 302 https://www.example.org/landing?from=moved; }
                location = /refresh { add_header Refresh "5; url=https://example.org/next"; return 200 refresh; }
                location = /cors { add_header Access-Control-Allow-Origin "https://www.example.org"; return 200 cors; }
                location = /echo {
                    return 200 "host=$host sni=$ssl_server_name encoding=$http_accept_encoding gateway=$http_x_onion_gateway";
                }
                location = /words {
                    default_type text/html;
                    return 200 'a notexample.org b example.org.evil.com c keep@example.org d <script integrity="sha384-abc" src="https://example.org/s.js"></script> e https://other.org/x';
                }
                location = /many {
                    add_header Link "<https://example.org/a>; rel=preload, <https://static.example.org/b>; rel=preload";
                    add_header Content-Security-Policy "a https://example.org b https://www.example.org c https://static.example.org d https://example.org e https://example.org f https://example.org g https://example.org";
                    add_header Strict-Transport-Security "max-age=100";
                    add_header X-Powered-By "PHP/1";
                    return 200 many;
                }
                location = /request {
                    return 200 "origin=$http_origin referer=$http_referer cookie=$http_cookie args=$args from=$http_x_from_onion";
                }
                location = /gzip { default_type text/html; add_header Content-Encoding gzip; return 200 "not really gzip"; }
                location / { return 200 "upstream saw $request_uri"; }
            }
        }
        """
    }

    static func isListening(port: Int) -> Bool {
        (try? Command.run("/usr/bin/curl", ["-sk", "-o", "/dev/null", "https://127.0.0.1:\(port)/"]).succeeded) ?? false
    }

    /// A request through the proxy's unix socket, as tor would make it.
    func fetch(
        _ path: String, host: String = onion, port virtualPort: Int = 443, agent: String = "curl",
        headers extra: [String] = []
    ) throws -> (headers: String, body: String) {
        let scheme = virtualPort == 443 ? "https" : "http"
        let result = try Command.run(
            "/usr/bin/curl",
            [
                "-sk", "--max-time", "10", "-D", "-", "-A", agent,
            ] + extra.flatMap { ["-H", $0] } + [
                "--unix-socket",
                socketDirectory + "/p\(virtualPort).sock",
                "\(scheme)://\(host)\(path)",
            ]
        )
        #expect(result.succeeded, "curl failed: \(result.output)")
        let parts = result.output.components(separatedBy: "\r\n\r\n")
        return (parts.first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    // MARK: Tests

    @Test("body links, CSP and cookies name the onion, not the upstream")
    func page() throws {
        let (headers, body) = try fetch("/")
        #expect(body.contains("https://www.\(Self.onion)/news"))
        #expect(body.contains("//static.\(Self.onion)/x.png"))
        #expect(body.contains(Self.onion.replacing(".", with: "\\.")), "JS-escaped form: \(body)")
        #expect(!body.contains("example.org"), "\(body)")
        #expect(headers.contains("Domain=.\(Self.onion)"), "\(headers)")
        #expect(
            headers.contains("https://\(Self.onion); img-src https://static.\(Self.onion) https://www.\(Self.onion)"),
            "\(headers)")
        #expect(!headers.contains("example.org"), "\(headers)")
    }

    @Test("redirects, Refresh and CORS headers name the onion")
    func headers() throws {
        let moved = try fetch("/moved").headers
        #expect(moved.contains("Location: https://www.\(Self.onion)/landing?from=moved"), "\(moved)")
        let refresh = try fetch("/refresh").headers
        #expect(refresh.contains("Refresh: 5; url=https://\(Self.onion)/next"), "\(refresh)")
        let cors = try fetch("/cors").headers
        #expect(cors.contains("Access-Control-Allow-Origin: https://www.\(Self.onion)"), "\(cors)")
    }

    @Test("the upstream sees its own names, SNI, identity encoding and extra headers")
    func upstreamView() throws {
        let body = try fetch("/echo", host: "www.\(Self.onion)").body
        #expect(body == "host=www.example.org sni=www.example.org encoding=identity gateway=onionops", "\(body)")
    }

    @Test("port 80 answers 307 to https; /hello-onion answers without the upstream")
    func redirectAndHello() throws {
        let plain = try fetch("/some/page?q=1", port: 80).headers
        #expect(plain.hasPrefix("HTTP/1.1 307"), "\(plain)")
        #expect(plain.contains("Location: https://\(Self.onion)/some/page?q=1"), "\(plain)")
        let hello = try fetch("/hello-onion")
        #expect(hello.headers.hasPrefix("HTTP/1.1 200"))
        #expect(hello.body == "Hello, Onion User!\n")
    }

    @Test("blocked paths and user agents answer 403; unknown names 404")
    func blocked() throws {
        #expect(try fetch("/wp-admin/login.php").headers.hasPrefix("HTTP/1.1 403"))
        #expect(try fetch("/", agent: "Mozilla/5.0 evilbot/2").headers.hasPrefix("HTTP/1.1 403"))
        #expect(try fetch("/other").headers.hasPrefix("HTTP/1.1 200"))
        #expect(try fetch("/", host: TestOnions.b).headers.hasPrefix("HTTP/1.1 404"))
    }

    @Test("any-depth subdomains: x.y.<onion> is x.y.<upstream> for Host and SNI")
    func anyDepth() throws {
        let body = try fetch("/echo", host: "x.y.\(Self.onion)").body
        #expect(body.hasPrefix("host=x.y.example.org sni=x.y.example.org "), "\(body)")
    }

    @Test("bodies: word boundaries, preserved strings, SRI attributes stripped, foreign sites rewritten")
    func words() throws {
        let body = try fetch("/words").body
        #expect(body.contains("a notexample.org b example.org.evil.com c keep@example.org d"), "\(body)")
        #expect(body.contains("src=\"https://\(Self.onion)/s.js\""), "\(body)")
        #expect(!body.contains("integrity"), "\(body)")
        #expect(body.contains("e https://\(TestOnions.c)/x"), "foreign site: \(body)")
    }

    @Test("every occurrence in a header is rewritten; HSTS and fingerprints are withheld")
    func manyNames() throws {
        let headers = try fetch("/many").headers
        #expect(
            headers.contains("Link: <https://\(Self.onion)/a>; rel=preload, <https://static.\(Self.onion)/b>"),
            "\(headers)")
        #expect(headers.contains("g https://\(Self.onion)"), "\(headers)")
        #expect(!headers.contains("example.org"), "\(headers)")
        #expect(!headers.contains("Strict-Transport-Security"), "\(headers)")
        #expect(!headers.contains("X-Powered-By"), "\(headers)")
    }

    @Test("Origin, Referer, Cookie and query strings reach the upstream with its own names")
    func deonionified() throws {
        let onion = Self.onion
        let body = try fetch(
            "/request?next=https://www.\(onion)/x&o=\(onion)",
            headers: [
                "Origin: https://\(onion)", "Referer: https://www.\(onion)/p?u=https%3A%2F%2F\(onion)%2F",
                "Cookie: a=\(onion); b=www.\(onion)",
            ]
        ).body
        #expect(
            body
                == "origin=https://example.org referer=https://www.example.org/p?u=https%3A%2F%2Fexample.org%2F "
                + "cookie=a=example.org; b=www.example.org args=next=https://www.example.org/x&o=example.org from=",
            "\(body)")
    }

    @Test("a compressed body of a rewritten type answers 520 (dropUnrewritable)")
    func unrewritable() throws {
        let answer = try fetch("/gzip")
        #expect(answer.headers.hasPrefix("HTTP/1.1 520"), "\(answer.headers)")
        #expect(!answer.body.contains("not really gzip"))
    }
}
