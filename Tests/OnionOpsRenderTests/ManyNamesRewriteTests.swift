import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsTestSupport
import Testing

/// Body rewriting with many names, through the rendered nginx: 300 sites
/// and a foreign site in hard mode 2, so the names are spread over several
/// subs_filter rules that share one `map $1` (see BodyRewriteRules). The
/// upstream is a second nginx serving one static page over HTTP.
@Suite("bodies naming many sites", .enabled(if: Command.isRoot, "nginx workers drop to www-data"), .serialized)
struct ManyNamesRewriteTests {
    static let sites = 300

    static func onion(_ number: Int) -> String { ProxyConfigAcceptanceTests.onion(number) }

    /// The onion of site `number` with its last dot spelled `dot`.
    static func onion(_ number: Int, lastDot dot: String) -> String {
        String(onion(number).dropLast(".onion".count)) + dot + "onion"
    }

    static let page = #"""
        first s0.example.org last s299.example.org
        one rule: s5.example.org, s6.example.org and other.org
        escaped: s7\.example\.org s8\\\.example.org s9\\.example\\.org
        case: S10.EXAMPLE.Org
        kept: nots11.example.org s12.example.org.evil.com
        sub: https://www.s13.example.org/x?next=https%3A%2F%2Fs14.example.org
        own rule: deep.a.b\.example\.org

        """#

    @Test("every name on a line gets its own onion, across rules, spellings and case; near misses stay")
    func manyNames() throws {
        let folder = try TemporaryFolder(prefix: "oo-many")
        defer { folder.remove() }
        _ = try folder.write("up/www/page.html", Self.page)
        let (upstream, port) = try Self.startUpstream(folder)
        defer { upstream.stop() }

        // Four dots in hard mode 2 are 256 spellings, more than the map
        // takes: that name keeps a subs_filter rule of its own.
        let list =
            (0..<Self.sites).map {
                "    - {onion: \(Self.onion($0)), upstream: s\($0).example.org, upstreamAddress: \"127.0.0.1:\(port)\"}"
            } + [
                "    - {onion: \(Self.onion(Self.sites)), upstream: deep.a.b.example.org, upstreamAddress: \"127.0.0.1:\(port)\"}"
            ]
        let manifest = """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: edge-1}
            spec: {local: {root: \(folder.path)/edge-1}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: many}
            spec:
              mode: hardmap
              placement: {hosts: [edge-1]}
              sites:
            \(list.joined(separator: "\n"))
              nginx:
                forceHttps: false
                upstream: {scheme: http}
                rewrite: {hardMode: 2}
                foreignSites: [{onion: \(TestOnions.c), upstream: other.org}]
            """
        let result = ManifestLoader().load([ManifestFile(path: "many.yaml", text: manifest)])
        try #require(result.isValid, "\(result.diagnostics.map(\.description))")
        let sandbox = try RenderFixtures.placeInSandbox(
            result.topology, certificate: try TestCertificate.make(commonName: Self.onion(0)))
        defer { sandbox.folder.remove() }
        let host = try #require(sandbox.state.hosts.first)
        let layout = HostLayout(root: host.root)
        let config = layout.resolve(HostLayout.nginxConfig(project: "many"))
        let text = try String(contentsOfFile: config, encoding: .utf8)
        let rules = text.components(separatedBy: "subs_filter \"").count - 1
        #expect(rules > 1 && rules < 10, "the names spread over a few rules, not one each: \(rules)")

        let proxy = try BackgroundProcess(
            "/usr/sbin/nginx", ["-c", config, "-p", host.root, "-g", "daemon off;"], log: folder.path + "/proxy.log")
        defer { proxy.stop() }
        let socket = layout.resolve(HostLayout.nginxSocketDirectory(project: "many")) + "/p80.sock"
        try #require(
            proxy.wait(upTo: 10, until: { FileManager.default.fileExists(atPath: socket) }), "\(proxy.log)")
        let fetched = try Command.capture(
            "/usr/bin/curl", ["-s", "--max-time", "10", "--unix-socket", socket, "http://\(Self.onion(0))/"])
        #expect(fetched.exitCode == 0, "\(fetched.stderr) \(proxy.log)")
        let lines = fetched.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 7, "\(fetched.stdout)")
        #expect(lines[0] == "first \(Self.onion(0)) last \(Self.onion(299))")
        #expect(lines[1] == "one rule: \(Self.onion(5)), \(Self.onion(6)) and \(TestOnions.c)")
        #expect(
            lines[2]
                == #"escaped: "# + Self.onion(7, lastDot: #"\."#) + " " + Self.onion(8, lastDot: ".") + " "
                + Self.onion(9, lastDot: #"\\."#))
        #expect(lines[3] == "case: \(Self.onion(10))")
        #expect(lines[4] == "kept: nots11.example.org s12.example.org.evil.com")
        #expect(lines[5] == "sub: https://www.\(Self.onion(13))/x?next=https%3A%2F%2F\(Self.onion(14))")
        #expect(lines[6] == "own rule: " + Self.onion(Self.sites, lastDot: #"\."#))
    }

    /// A static nginx on a random loopback port (a few tries in case one is
    /// taken).
    static func startUpstream(_ folder: TemporaryFolder) throws -> (BackgroundProcess, Int) {
        let root = folder.path + "/up"
        for attempt in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            _ = try folder.write(
                "up/nginx.conf",
                """
                worker_processes 1;
                pid \(root)/nginx.pid;
                error_log \(root)/error.log warn;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path \(root)/tmp;
                    proxy_temp_path \(root)/tmp;
                    server {
                        listen 127.0.0.1:\(port);
                        root \(root)/www;
                        location / { default_type text/html; try_files /page.html =404; }
                    }
                }

                """)
            let process = try BackgroundProcess(
                "/usr/sbin/nginx", ["-c", root + "/nginx.conf", "-p", root, "-g", "daemon off;"],
                log: root + "/run-\(attempt).log")
            let up = process.wait(upTo: 5) {
                (try? Command.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]))?.succeeded
                    ?? false
            }
            if up { return (process, port) }
            process.stop()
        }
        throw SandboxTree.Failure(description: "the upstream nginx did not start")
    }
}
