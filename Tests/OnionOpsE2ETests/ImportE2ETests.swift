import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

extension TopologyE2ETests {
    /// Issue 16: an EOTK-style installation (project files with
    /// continuations and comments, a `.tconf` with a placeholder, onion keys
    /// made by tor itself in `secrets.d/`, certificates in `ssl.d/`) goes
    /// through `onionops import`, is reconciled onto sandbox hosts in the
    /// private network, and a Tor client reaches every address the source
    /// files named. Nested in the topology suite so it shares its network.
    @Suite("an EOTK installation imported and reached over Tor")
    struct ImportE2ETests {
        @Test("a hardmap project with two sites and a softmap project answer at their original addresses")
        func importedOnionsAnswer() async throws {
            let world = try E2EWorld.require()
            let begin = Date()
            let folder = try TemporaryFolder(prefix: "oo-import-e2e")
            defer { folder.remove() }
            let install = try EOTKInstallation(root: folder.path + "/eotk")
            let onions = try await install.torMadeOnions(3)
            let (a, b, c) = (onions[0], onions[1], onions[2])
            try install.write(
                "news.conf",
                """
                # The newsroom's two sites, as EOTK had them.
                set project news
                # a comment ending in a backslash swallows the next line \\
                set nginx_hello_onion 0
                set block_path_re \\
                    ^/wp-admin \\
                    \\\\.php$
                hardmap \(a.dropLast(6)) example.org www
                hardmap secrets.d/\(b.dropLast(6)).v3sec.key example.com

                """)
            try install.write(
                "shop.tconf",
                """
                set project shop
                softmap \(c) %SHOP_DOMAIN%

                """)
            try await install.certificate(
                onions: [a], folder: "projects.d/news.d/ssl.d", base: "\(a.prefix(20))-v3.onion",
                key: .ecWithParameters, caIssued: false)
            let identity = folder.path + "/identity.txt"
            let recipients = folder.path + "/recipients.txt"
            #expect(try await Command.runAsync("/usr/bin/age-keygen", ["-o", identity]).succeeded)
            try (try await Command.runAsync("/usr/bin/age-keygen", ["-y", identity])).output.write(
                toFile: recipients, atomically: true, encoding: .utf8)

            var environment = ProcessInfo.processInfo.environment
            environment["SHOP_DOMAIN"] = "example.net"
            let out = folder.path + "/imported"
            let imported = try await Spawn.capture(
                OnionOpsBinary.url.path,
                [
                    "import", install.root, "--out", out, "--recipients", recipients, "--sandbox",
                    folder.path + "/hosts",
                ],
                environment: ChildEnvironment(variables: environment), mergeErrors: true)
            let report = String(decoding: imported.stdout, as: UTF8.self)
            try #require(imported.status == 0, "import: \(report)")
            let summary = report.split(separator: "\n").filter { $0.contains(" mapped, ") }.joined(separator: "; ")
            E2EReport.line("import", summary)

            let sandbox = try await E2ESandbox(manifests: out, name: "import", identityFile: identity, world: world)
            defer { sandbox.stopAll() }
            try await TopologyE2ETests.reconcile(sandbox, sandbox.topology, commit: "imported")
            let reconciled = Date().timeIntervalSince(begin)
            // Every address the source files named is what the manifests serve.
            #expect(Set(sandbox.sites().map(\.onion)) == Set([a, b, c]))

            let client = world.network.client
            for site in sandbox.sites() where site.onion != c {
                let response = await client.fetch("https://\(site.onion)/", within: 180) {
                    TopologyE2ETests.rewritten($0, host: site.onion, upstream: site.upstream)
                }
                #expect(
                    TopologyE2ETests.rewritten(response, host: site.onion, upstream: site.upstream),
                    "\(site.onion): \(TopologyE2ETests.describe(response))")
            }

            let backends = sandbox.backends()
            let logs = sandbox.publisherLogs()
            let published = await TopologyE2ETests.waitUntil(within: 240) {
                logs.values.allSatisfy { $0.published([c], instances: backends.count) }
            }
            try #require(published, "no descriptor for \(c): \(logs.values.map { $0.tail() })")
            try client.newIdentity()
            let response = await client.fetch("https://\(c)/", within: 180) {
                TopologyE2ETests.rewritten($0, host: c, upstream: "example.net")
            }
            #expect(
                TopologyE2ETests.rewritten(response, host: c, upstream: "example.net"),
                "\(c): \(TopologyE2ETests.describe(response))")
            E2EReport.line(
                "import",
                "reconciled in \(E2EReport.seconds(reconciled)); 2 hardmap sites and 1 softmap frontend "
                    + "(\(backends.count) backends) answered at the source files' addresses after "
                    + "\(E2EReport.seconds(Date().timeIntervalSince(begin)))")
        }
    }
}
