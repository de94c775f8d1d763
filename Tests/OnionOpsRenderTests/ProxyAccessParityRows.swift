import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

/// Access control, fixed answers and logs, as a visitor of the onion meets
/// them: Onionspray's block_*, *_blacklist, *_whitelist, suppress_tor2web,
/// suppress_methods_except_get, cookie_lock, redirect_*, hardcoded_endpoint
/// and ssl_proof settings, and its access log.
extension ProxyParityTests {
    static let accessRows: [ParityRow] =
        requestRows + [
            ParityRow(
                name: "block: host, path, referer, origin and parameter matches answer 403 with blockMessage",
                setup: ParitySetup(
                    extraNginx: #"""
                        block:
                          hostPatterns: ['^adm[0-9]*\.']
                          pathPatterns: ['\.php$']
                          referers: [https://bad.example/]
                          originPatterns: [evil]
                          params: [{name: debug, value: "1"}]
                        blockMessage: "No onion for you."
                        """#)
            ) { harness in
                #expect(try await harness.fetch("/").status == 200)
                let blocked = [
                    try await harness.fetch("/", subdomain: "adm7"),
                    try await harness.fetch("/index.PHP"),
                    try await harness.fetch("/", headers: ["Referer: https://bad.example/"]),
                    try await harness.fetch("/", headers: ["Origin: https://EVIL.example"]),
                    try await harness.fetch("/search?x=2&debug=1"),
                ]
                for answer in blocked {
                    #expect(answer.status == 403, "\(answer.headers)")
                    #expect(answer.body == "No onion for you.", "\(answer.body)")
                }
                // Near misses pass: another referer, another parameter value.
                #expect(try await harness.fetch("/", headers: ["Referer: https://bad.example/x"]).status == 200)
                #expect(try await harness.fetch("/search?debug=10").status == 200)
            },
            ParityRow(
                name: "deny: user agent, path prefix and parameter pattern answer denyStatus",
                setup: ParitySetup(
                    extraNginx: #"""
                        deny:
                          userAgents: [badbot]
                          paths: [/private]
                          paramPatterns: [{name: q, pattern: 'drop\+table'}]
                        denyStatus: 451
                        """#)
            ) { harness in
                let path = try await harness.fetch("/private/file", headers: ["User-Agent: Good"])
                let agent = try await harness.fetch("/", headers: ["User-Agent: Mozilla BadBot/2"])
                let param = try await harness.fetch("/search?q=DROP+TABLE+users")
                for answer in [path, agent, param] { #expect(answer.status == 451, "\(answer.headers)") }
                let other = try await harness.fetch("/public")
                #expect(other.status == 200)
            },
            ParityRow(
                name: "allowOnly: requests outside the list are denied; /hello_onion/ stays open",
                setup: ParitySetup(
                    extraNginx: """
                        allowOnly:
                          userAgentPatterns: ['^GoodClient/']
                        denyStatus: 403
                        """)
            ) { harness in
                #expect(try await harness.fetch("/", headers: ["User-Agent: Other/1"]).status == 403)
                #expect(try await harness.fetch("/", headers: ["User-Agent: GoodClient/1.2"]).status == 200)
                for path in ["/hello-onion", "/hello_onion/", "/hello_onion"] {
                    let hello = try await harness.fetch(path, headers: ["User-Agent: Other/1"])
                    #expect(hello.status == 200 && hello.body.contains("Hello, Onion User!"), "\(path): \(hello.body)")
                }
            },
            ParityRow(name: "tor2web gateways are refused by default, on https and http") { harness in
                let relayed = try await harness.fetch("/", headers: ["X-Tor2web: 1"])
                #expect(relayed.status == 403)
                #expect(relayed.body.contains("not supported over Onion"), "\(relayed.body)")
                #expect(try await harness.fetch("/", headers: ["X-Tor2web: 1"], plainHTTP: true).status == 403)
                #expect(try await harness.fetch("/", plainHTTP: true).status == 307)
            },
            ParityRow(name: "getOnly: a POST is refused, a GET passes", setup: ParitySetup(extraNginx: "getOnly: true"))
            {
                harness in
                // A login the upstream would take (see the login row).
                let post = try await harness.fetch(
                    "/login", method: "POST", headers: ["Origin: https://\(onion)", "Referer: https://\(onion)/login"],
                    data: "user=alice")
                #expect(post.status == 403, "\(post.headers)\n\(post.body)")
                let get = try await harness.fetch("/login")
                #expect(get.status == 200)
            },
            ParityRow(
                name: "cookieLock: denied without the cookie; the lock path sets it; with it the site answers",
                setup: ParitySetup(extraNginx: "cookieLock: /open-sesame-4f2a\ndenyStatus: 403")
            ) { harness in
                #expect(try await harness.fetch("/").status == 403)
                let unlock = try await harness.fetch("/open-sesame-4f2a")
                #expect(unlock.status == 200)
                let cookie = unlock.header("Set-Cookie").joined()
                #expect(cookie.contains("oo_lock=/open-sesame-4f2a"), "\(unlock.headers)")
                #expect(cookie.contains("Domain=.\(onion)") && cookie.contains("Secure"), "\(cookie)")
                #expect(try await harness.fetch("/", headers: ["Cookie: oo_lock=/open-sesame-4f2a"]).status == 200)
                #expect(try await harness.fetch("/", headers: ["Cookie: oo_lock=/guess"]).status == 403)
            },
            ParityRow(
                name: "redirects: a host pattern keeps the request URI, a fixed path redirect does not",
                setup: ParitySetup(
                    extraNginx: """
                        redirects:
                          - {host: '^old\\.', to: 'https://www.\(onion)', code: 301}
                          - {path: '^/gone/', to: 'https://\(onion)/moved', code: 302, keepURI: false}
                        """)
            ) { harness in
                let host = try await harness.fetch("/a/b?c=1", subdomain: "old")
                #expect(host.status == 301)
                #expect(host.header("Location") == ["https://www.\(onion)/a/b?c=1"], "\(host.headers)")
                let path = try await harness.fetch("/gone/page?x=1")
                #expect(path.status == 302)
                #expect(path.header("Location") == ["https://\(onion)/moved"], "\(path.headers)")
            },
            ParityRow(
                name: "fixed answers never reach the upstream; CA validation files are served over http too",
                setup: ParitySetup(
                    extraNginx: """
                        fixedResponses:
                          - {path: /robots.txt, body: "User-agent: *\\nDisallow: /\\n"}
                        caValidation:
                          - {path: /.well-known/pki-validation/fileauth.txt, body: "token-7f3e"}
                        """)
            ) { harness in
                let robots = try await harness.fetch("/robots.txt")
                #expect(robots.status == 200 && robots.body == "User-agent: *\nDisallow: /\n", "\(robots.body)")
                #expect(robots.seenHost == nil)
                #expect(robots.header("Content-Type").first?.hasPrefix("text/plain") == true, "\(robots.headers)")
                for plain in [false, true] {
                    let proof = try await harness.fetch("/.well-known/pki-validation/fileauth.txt", plainHTTP: plain)
                    #expect(proof.status == 200 && proof.body == "token-7f3e", "http: \(plain): \(proof.body)")
                }
                // Everything else on http still goes to https.
                #expect(try await harness.fetch("/robots.txt", plainHTTP: true).status == 307)
            },
            ParityRow(name: "access logs are off by default") { harness in
                _ = try await harness.fetch("/logged?secret=1")
                #expect(!FileManager.default.fileExists(atPath: harness.logDirectory + "/access.log"))
            },
            ParityRow(
                name: "an access log names host and path, never the client, the query or the user agent",
                setup: ParitySetup(extraNginx: "logs: {access: true, errorLevel: info}")
            ) { harness in
                _ = try await harness.fetch("/logged/page?secret=1", headers: ["User-Agent: Visitor-UA"])
                // nginx logs a request once it has answered it: curl may be
                // back first.
                let line = "\"\(onion)\" GET \"/logged/page\" HTTP/1.1 200"
                var log = ""
                for _ in 0..<50 {
                    log = (try? String(contentsOfFile: harness.logDirectory + "/access.log", encoding: .utf8)) ?? ""
                    if log.contains(line) { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(log.contains(line), "\(log)")
                for leak in ["secret", "unix:", "Visitor-UA", "127.0.0.1"] {
                    #expect(!log.contains(leak), "\(leak) in \(log)")
                }
            },
        ]

    /// Request and response keys whose effect the upstream's own answers
    /// show: injected Origin/Referer, POST bodies, CSP suppression and the
    /// listed-subdomains policy.
    static let requestRows: [ParityRow] = [
        ParityRow(
            name: "a plain-http upstream (scheme http, forceHttps off) is proxied and rewritten",
            setup: ParitySetup(plainUpstream: true)
        ) { harness in
            for plain in [false, true] {
                let page = try await harness.fetch("/", plainHTTP: plain)
                #expect(page.status == 200, "http: \(plain): \(page.headers)")
                #expect(page.seenHost == "example.org")
                #expect(page.body.contains("https://www.\(onion)/news"), "\(page.body)")
            }
        },
        ParityRow(
            name: "exportCircuitID: haproxy: the upstream gets X-Onion-CircuitID from tor's PROXY header",
            setup: ParitySetup(exportCircuitID: true)
        ) { harness in
            let answer = try await harness.fetchWithCircuit("/circuit", circuit: 0x2a_1234)
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            let expected = Hex.encode("fc00:dead:beef:4dad::2a:1234".utf8)
            #expect(answer.contains("circuit-hex=\(expected)"), "\(answer)")
        },
        ParityRow(
            name: "injectOrigin and injectReferer: a login without them is accepted upstream",
            setup: ParitySetup(
                extraRequests: "injectOrigin: https://example.org\ninjectReferer: https://example.org/login")
        ) { harness in
            // No Origin or Referer from the visitor: the upstream sees the
            // injected ones (without them it answers 403, see the login row).
            let login = try await harness.fetch("/login", method: "POST", data: "user=bob")
            #expect(login.status == 200 && login.body.contains("welcome bob"), "\(login.headers)\n\(login.body)")
        },
        ParityRow(name: "without injectOrigin, the same login is refused upstream") { harness in
            let login = try await harness.fetch("/login", method: "POST", data: "user=bob")
            #expect(login.status == 403, "\(login.headers)")
        },
        ParityRow(
            name: "deonionifyPostBodies: onion names in a form body reach the upstream as its own names",
            setup: ParitySetup(extraRequests: "deonionifyPostBodies: true")
        ) { harness in
            // The upstream counts the bytes it got: the 62-byte onion name
            // became the 11-byte example.org.
            let upload = try await harness.fetch("/upload", method: "POST", data: "x=\(onion)")
            #expect(upload.body.contains("received=13"), "\(upload.body)")
        },
        ParityRow(name: "POST bodies are passed as they are by default") { harness in
            let upload = try await harness.fetch("/upload", method: "POST", data: "x=\(onion)")
            #expect(upload.body.contains("received=\(onion.utf8.count + 2)"), "\(upload.body)")
        },
        ParityRow(
            name: "suppressCSP drops CSP instead of rewriting it",
            setup: ParitySetup(extraNginx: "responses: {suppressCSP: true}")
        ) { harness in
            let page = try await harness.fetch("/headers")
            #expect(page.status == 200)
            #expect(page.header("Content-Security-Policy").isEmpty, "\(page.headers)")
            #expect(!page.header("Link").isEmpty, "\(page.headers)")
        },
        ParityRow(
            name: "subdomains: listed serves only the apex and listed names; others answer 404",
            setup: ParitySetup(subdomains: "listed")
        ) { harness in
            let apex = try await harness.fetch("/")
            #expect(apex.status == 200)
            let deep = try await harness.fetch("/", subdomain: "x.deep")
            #expect(deep.status == 404 && deep.seenHost == nil, "\(deep.headers)")
        },
    ]
}
