import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

extension TopologyE2ETests {
    /// Issue 15's last point: a real browser (headless Chromium) through
    /// the private network's SOCKS port, against a softmap frontend that
    /// OnionOps reconciled in front of the upstream test site. Nested in
    /// the topology suite so it shares its one network.
    @Suite(
        "a real browser over Tor",
        .enabled(if: HeadlessChromium.isAvailable, "needs Debian's chromium")
    )
    struct BrowserOverTorTests {
        /// Screenshot, net log, browser log and the URL list of the last run
        /// stay here (the sandbox itself is removed).
        static let artefacts = RepositoryPaths.root.appendingPathComponent(".build/e2e-artefacts/browser-over-tor").path
        static let user = "alice"

        @Test(
            "Chromium logs in through a softmap frontend, follows a deep link, gets a websocket echo, stays in .onion")
        func browse() async throws {
            let world = try E2EWorld.require()
            let begin = Date()
            let sandbox = try await E2ESandbox(example: "softmap-1", world: world)
            defer { sandbox.stopAll() }
            let authority = try TestCertificateAuthority()
            let upstream = try await UpstreamTestSite.start(leaf: try authority.siteLeaf())
            do {
                try await Self.browse(sandbox: sandbox, world: world, authority: authority, upstream: upstream)
            } catch {
                await upstream.stop()
                throw error
            }
            await upstream.stop()
            E2EReport.line("browser", "whole test \(E2EReport.seconds(Date().timeIntervalSince(begin)))")
        }

        static func browse(
            sandbox: E2ESandbox, world: E2EWorld, authority: TestCertificateAuthority, upstream: UpstreamTestSite
        ) async throws {
            let begin = Date()
            let caFile = try sandbox.folder.write("upstream-ca.pem", authority.certificatePEM)
            // An onion of its own: the topology suite publishes softmap-1's.
            let topology = try Self.topology(
                sandbox.freshOnion(for: sandbox.topology), upstreamPort: upstream.port, caFile: caFile)
            try await TopologyE2ETests.reconcile(sandbox, topology, commit: "browser")
            let site = try #require(sandbox.sites(of: topology).first)
            let backends = sandbox.backends(of: topology)
            let logs = sandbox.publisherLogs(of: topology)
            let published = await TopologyE2ETests.waitUntil(within: 240) {
                logs.values.allSatisfy { $0.published([site.onion], instances: backends.count) }
            }
            try #require(published, "no descriptor from all \(backends.count) backends")
            let publishedAfter = Date().timeIntervalSince(begin)
            // A curl through the same tor client first: a browser failure
            // then means the browser, not a frontend still propagating.
            let warm = await world.network.client.fetch("https://\(site.onion)/login", within: 180)
            try #require(warm.succeeded, "\(site.onion): \(TopologyE2ETests.describe(warm))")

            let address = try #require(try? OnionAddress.parse(site.onion).get())
            let certificate = try String(
                contentsOfFile: sandbox.path(
                    "edge-1", HostLayout.tlsCertificate(project: topology.projects[0].name, site: address)),
                encoding: .utf8)
            let pin = try CertificatePin.spkiSHA256(certificatePEM: certificate)
            try? FileManager.default.removeItem(atPath: artefacts)
            try FileManager.default.createDirectory(atPath: artefacts, withIntermediateDirectories: true)
            let socksPort = try #require(world.network.clientNode.socksPort)
            let browser = try HeadlessChromium(
                folder: artefacts, profile: sandbox.folder.path + "/chromium-profile", socksPort: socksPort,
                certificatePins: [pin])
            let browsing = Date()
            let seen: BrowserRun
            do {
                seen = try await browser.session { try await Self.drive($0, onion: site.onion) }
            } catch {
                await browser.stop(within: 0)
                throw error
            }
            await browser.stop()
            let browsed = Date().timeIntervalSince(browsing)
            try Data(seen.screenshot).write(to: URL(fileURLWithPath: artefacts + "/logged-in.png"))

            try Self.check(seen, onion: site.onion, netLog: try NetLog(path: browser.netLogPath))
            E2EReport.line(
                "browser",
                "softmap-1 published from \(backends.count) backends after \(E2EReport.seconds(publishedAfter)); "
                    + "Chromium logged in, followed x.deep, got the echo in \(E2EReport.seconds(browsed)); "
                    + "screenshot \(artefacts)/logged-in.png")
        }

        /// softmap-1 in front of the upstream test site: the site is
        /// example.org at the test site's port, verified with the test CA;
        /// `exportCircuitID: none`: this test is about what the browser
        /// sees (the proxy parity row checks X-Onion-CircuitID).
        static func topology(_ topology: Topology, upstreamPort: Int, caFile: String) throws -> Topology {
            var topology = topology
            try #require(topology.projects.count == 1 && topology.projects[0].sites.count == 1)
            topology.projects[0].sites[0].upstream = "example.org"
            topology.projects[0].sites[0].subdomains = []
            topology.projects[0].sites[0].upstreamAddress = "127.0.0.1:\(upstreamPort)"
            topology.projects[0].nginx.subdomains = .any
            topology.projects[0].nginx.upstream.verifyTLS = true
            topology.projects[0].nginx.upstream.caFile = caFile
            topology.projects[0].tor.exportCircuitID = .none
            return topology
        }

        /// What the browser showed and asked for.
        struct BrowserRun: Sendable {
            var accountText: String
            var echo: String
            var screenshot: Data
            /// URLs of Network.requestWillBeSent and webSocketCreated.
            var requested: [String]
            /// Where the browser keeps the `session` cookie.
            var sessionCookieDomains: [String]
        }

        /// The visit, as a user would make it: open the login page, type
        /// the name, click the button, click the account link, wait for the
        /// page's websocket echo.
        static func drive(_ devtools: DevToolsSession, onion: String) async throws -> BrowserRun {
            let page = try await BrowserPage.open(devtools)
            try await page.go(to: "https://\(onion)/login")
            try await page.click("#user")
            try await page.type(user)
            try await page.click("#sign-in", navigates: true)
            let welcome = try await page.text()
            try #require(welcome.contains("welcome \(user)"), "after sign-in: \(welcome)")
            try await page.click("#account", navigates: true)
            // Without the cookie there is no echo to wait for: say why now.
            let landed = try await page.text()
            try #require(landed.contains("logged in as \(user)"), "the account page: \(landed)")
            let echo = try await page.waitForText("#echo", timeout: .seconds(90)) { $0.hasPrefix("echo:") }
            let account = try await page.text()
            let screenshot = try await page.screenshot()
            let requested = page.requestedURLs()
            // The session cookie as the browser stored it (HttpOnly: only
            // DevTools sees it).
            let cookies = try await devtools.call(
                "Network.getCookies", ["urls": ["https://x.deep.\(onion)/account"]], session: page.session)
            let jar = DevToolsJSON.value(cookies, "cookies") as? [[String: Any]] ?? []
            let cookieDomains = jar.filter { $0["name"] as? String == "session" }.compactMap { $0["domain"] as? String }
            _ = try? await devtools.call("Browser.close", timeout: .seconds(5))
            return BrowserRun(
                accountText: account, echo: echo, screenshot: screenshot, requested: requested,
                sessionCookieDomains: cookieDomains)
        }

        /// Chromium's own requests that no flag turns off (the identity
        /// manager's ListAccounts, one component update check). They are
        /// not a page's: their isolation key names no onion. They go to
        /// the SOCKS port like everything else, where tor refuses them (the
        /// private network has no exits); they are reported, not hidden.
        static let browserOwn = [
            "https://accounts.google.com/ListAccounts?", "https://update.googleapis.com/service/update2/",
            "http://update.googleapis.com/service/update2/",
        ]

        static func isBrowserOwn(_ request: NetLog.Request) -> Bool {
            browserOwn.contains { request.url.hasPrefix($0) } && !request.isolationKey.contains(".onion")
        }

        static func check(_ run: BrowserRun, onion: String, netLog: NetLog) throws {
            let deep = "x.deep.\(onion)"
            #expect(run.accountText.contains("host=\(deep)"), "\(run.accountText)")
            #expect(run.accountText.contains("logged in as \(user)"), "\(run.accountText)")
            #expect(run.echo.hasPrefix("echo:hello from the page"), "\(run.echo)")
            // The Domain the upstream set, made out for the onion: the
            // cookie reaches x.deep (the account page says so too).
            #expect(run.sessionCookieDomains == [".\(onion)"], "\(run.sessionCookieDomains)")
            #expect(run.screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")

            let own = netLog.requests.filter(isBrowserOwn)
            let urls = netLog.requests.filter { !isBrowserOwn($0) }.map(\.url) + run.requested
            let listing =
                netLog.requests.filter { !isBrowserOwn($0) }.map { "net-log \($0.method) \($0.url)" }
                + run.requested.map { "devtools \($0)" }
                + own.map { "chromium-own \($0.method) \($0.url) [\($0.isolationKey)]" }
            try (listing.joined(separator: "\n") + "\n").write(
                toFile: artefacts + "/requested-urls.txt", atomically: true, encoding: .utf8)
            let outside = Set(urls.filter { !Self.insideOnion($0) })
            #expect(outside.isEmpty, "requests outside .onion: \(outside.sorted())")
            // The resolver rule maps every name to ~NOTFOUND: a lookup of
            // that fails here without a packet; any other name would be a
            // lookup on this machine.
            let resolvedHere = Set(netLog.resolvedHosts.filter { !$0.contains("~notfound") })
            #expect(resolvedHere.isEmpty, "names resolved on this machine: \(resolvedHere.sorted())")
            // The log must have seen the visit, or the checks above prove
            // nothing.
            let logged = netLog.requests.map(\.url)
            #expect(logged.contains("https://\(onion)/login"), "\(logged)")
            #expect(netLog.requests.contains { $0.url == "https://\(onion)/login" && $0.method == "POST" }, "\(logged)")
            #expect(logged.contains("https://\(deep)/account"), "\(logged)")
            #expect(urls.contains("wss://\(deep)/ws"), "\(urls)")
            let ownHosts = Set(own.compactMap { URLComponents(string: $0.url)?.host }).sorted()
            E2EReport.line(
                "browser",
                "net log: \(netLog.eventCount) events, \(netLog.requests.count - own.count) page requests "
                    + "(DevTools saw \(run.requested.count)), \(outside.count) outside .onion; "
                    + "Chromium's own: \(ownHosts)")
        }

        /// http(s) or ws(s) to a name under `.onion`.
        static func insideOnion(_ url: String) -> Bool {
            guard let components = URLComponents(string: url),
                ["https", "http", "wss", "ws"].contains(components.scheme?.lowercased() ?? ""),
                let host = components.host?.lowercased()
            else { return false }
            return host.hasSuffix(".onion")
        }
    }
}
