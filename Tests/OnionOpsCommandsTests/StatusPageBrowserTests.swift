import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The status page as a person sees it: `onionops watch` over the demo
/// hosts, opened in headless Chromium (Debian's), with the token as a
/// browser sends it. A hand-stopped tor shows as down within one drift
/// interval. The screenshot stays under .build/status-page/.
@Suite(
    "watch's status page in a browser",
    .enabled(if: Command.isRoot, "daemons run as their users"),
    .enabled(if: HeadlessChromium.isAvailable, "needs Debian's chromium"), .serialized)
struct StatusPageBrowserTests {
    static let artefacts = RepositoryPaths.root.appendingPathComponent(".build/status-page").path
    static let driftInterval = 3

    @Test("every host and daemon on the page; a stopped tor shows as down within one drift interval; token required")
    func page() async throws {
        let harness = try WatchHarness()
        defer {
            harness.stopDaemons(roots: [harness.folder.path + "/edge-1", harness.folder.path + "/edge-2"])
            harness.folder.remove()
        }
        let watch = try harness.start([
            harness.manifests, "--interval", "3600", "--drift-interval", String(Self.driftInterval),
        ])
        defer { watch.stop() }
        #expect(harness.wait(60) { harness.get("/healthz").contains("applied") }, "\(watch.log)")

        // Without the token: 401, and a browser is asked for it.
        let refused = try Command.capture(
            "/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", "--max-time", "5", harness.url + "/status"])
        #expect(refused.stdout.hasPrefix("HTTP/1.1 401"), "\(refused.stdout)")
        #expect(refused.stdout.lowercased().contains("www-authenticate: basic realm=\"onionops\""))
        let wrong = try Command.capture(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "x:wrong", harness.url + "/status"])
        #expect(wrong.stdout == "401")

        try FileManager.default.createDirectory(atPath: Self.artefacts, withIntermediateDirectories: true)
        let profile = harness.folder.path + "/chromium-profile"
        // Every request but loopback goes to a SOCKS port nothing listens
        // on: nothing the browser sends leaves this machine.
        let deadPort = try TestNetworkPorts.allocate(1)[0]
        let browser = try HeadlessChromium(
            folder: harness.folder.path + "/chromium", profile: profile, socksPort: deadPort, certificatePins: [])
        let basic = Data("status:\(harness.secret)".utf8).base64EncodedString()
        let torPid = harness.folder.path + "/edge-1" + HostLayout.torPidFile(project: "shop", instance: 1)
        let seen: (first: String, down: String, graph: Bool, requested: [String], shot: Data)
        do {
            seen = try await browser.session { devtools in
                let page = try await BrowserPage.open(devtools)
                _ = try await devtools.call(
                    "Network.setExtraHTTPHeaders", ["headers": ["Authorization": "Basic \(basic)"]],
                    session: page.session)
                try await page.go(to: harness.url + "/status", timeout: .seconds(30))
                let first = try await Self.waitForPage(page) {
                    $0.contains("tor-news-1") && $0.contains("edge-2") && $0.contains("ob-shop-front")
                }
                let graph =
                    try await page.evaluate(
                        "(() => { const i = document.querySelector('img'); return !!i && i.complete && i.naturalWidth > 0 })()"
                    ) as? Bool ?? false

                // tor-shop-1 on edge-1 stopped by hand, and no self-heal.
                let pid =
                    Int32(
                        (try String(contentsOfFile: torPid, encoding: .utf8)).split(separator: "\n").first ?? "") ?? 0
                kill(pid, SIGKILL)
                let stopped = Date()
                let down = try await Self.waitForPage(page) {
                    Self.row($0, daemon: "tor-shop-1", host: "edge-1")?.contains("down") == true
                }
                StatusPageReport.line(
                    String(
                        format: "tor-shop-1 shown down %.1f s after the kill (drift every %d s, page refresh 5 s)",
                        Date().timeIntervalSince(stopped), Self.driftInterval))
                // The whole page, not only the window.
                let full = try await devtools.call(
                    "Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true],
                    session: page.session)
                let shot = DevToolsJSON.string(full, "data").flatMap { Data(base64Encoded: $0) } ?? Data()
                let requested = page.requestedURLs()
                _ = try? await devtools.call("Browser.close", timeout: .seconds(5))
                return (first, down, graph, requested, shot)
            }
        } catch {
            await browser.stop()
            throw error
        }
        await browser.stop()
        try seen.shot.write(to: URL(fileURLWithPath: Self.artefacts + "/status.png"))
        StatusPageReport.line("screenshot \(Self.artefacts)/status.png")

        for text in [
            "edge-1", "edge-2", "tor-news-1", "tor-shop-2", "nginx-news", "nginx-shop", "healthy", "shop-front",
        ] {
            #expect(seen.first.contains(text), "\(text) is not on the page:\n\(seen.first)")
        }
        #expect(seen.graph, "the topology drawing did not load")
        #expect(seen.down.contains("degraded"), "\(seen.down)")
        let outside = seen.requested.filter { !$0.hasPrefix(harness.url + "/") }
        #expect(outside.isEmpty, "the page asked for something else: \(outside)")

        // The answer's own headers: no script may run, nothing is cached.
        let headers = try Command.capture(
            "/usr/bin/curl", ["-s", "-D", "-", "-o", "/dev/null", "-u", "x:\(harness.secret)", harness.url + "/status"])
        #expect(headers.stdout.hasPrefix("HTTP/1.1 200"), "\(headers.stdout)")
        #expect(
            headers.stdout.lowercased().contains("content-security-policy: default-src 'none'"), "\(headers.stdout)")
        #expect(headers.stdout.lowercased().contains("cache-control: no-store"))
    }

    /// The page's text as shown (table cells tab-separated, rows on lines
    /// of their own), polled until `condition` holds; the page reloads
    /// itself on its timer.
    static func waitForPage(_ page: BrowserPage, _ condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(60)
        var text = ""
        while Date() < deadline {
            // A reload may be under way: try again.
            text = (try? await page.text()) ?? text
            if condition(text) { return text }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw StatusPageReport.Failure(description: "the page still says after 60 s:\n\(text)")
    }

    /// The text of the daemon table row of `daemon` under `host`'s heading.
    static func row(_ text: String, daemon: String, host: String) -> String? {
        guard let section = text.range(of: "Daemons on \(host)") else { return nil }
        let rest = text[section.upperBound...]
        return rest.split(separator: "\n").first { $0.hasPrefix(daemon) }.map(String.init)
    }
}

enum StatusPageReport {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func line(_ text: String) { print("[status-page] \(text)") }
}
