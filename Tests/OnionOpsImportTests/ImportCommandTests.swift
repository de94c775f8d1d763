import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsKeys
import OnionOpsSecrets
import OnionOpsTestSupport
import Testing

/// `onionops import` as an operator runs it, on an EOTK installation whose
/// onion keys tor itself made: every address survives (tor's own
/// `hostname` for the imported key), certificates are sealed in the form
/// nginx and OnionOps read, nothing plaintext is left, and a failure
/// writes nothing.
@Suite(.serialized) struct ImportCommandTests {
    struct Fixture {
        var folder: TemporaryFolder
        var install: EOTKInstallation
        var onions: [String]
        var identity: String
        var recipients: String
        var out: String { folder.path + "/imported" }
    }

    static func fixture() async throws -> Fixture {
        let folder = try TemporaryFolder(prefix: "oo-import")
        let install = try EOTKInstallation(root: folder.path + "/eotk")
        let onions = try await install.torMadeOnions(3)
        let (a, b, c) = (onions[0], onions[1], onions[2])
        let bareA = String(a.dropLast(6))
        try install.write(
            "news.conf",
            """
            # news: two hardmap sites
            set project news
            set block_path_re \\
                ^/wp-admin \\
                \\\\.php$
            set nginx_cache_seconds 0
            hardmap \(bareA) example.org www m
            hardmap secrets.d/\(b.dropLast(6)).v3sec.key example.com
            foreignmap \(c) example.net

            """)
        try install.write(
            "shop.tconf",
            """
            set project shop
            set softmap_tor_workers 2
            softmap \(c) example.net
            set project wiki
            hardmap %NEW_V3_ONION% wikipedia.org m

            """)
        try install.write("eotk-workers.conf", "localhost\nops@worker2.example.net\n")
        try await install.certificate(
            onions: [a], folder: "projects.d/news.d/ssl.d", base: "\(a.prefix(20))-v3.onion", key: .ecWithParameters,
            caIssued: false)
        try await install.certificate(
            onions: [b], folder: "projects.d/news.d/ssl.d", base: "\(b.prefix(20))-v3", key: .rsaPKCS1, caIssued: true)
        // ssl_cert_each_onion 0: one certificate for the project, Onionspray's layout.
        try await install.certificate(
            onions: [c], folder: "projects/shop/ssl", base: "shop", key: .ecWithParameters, caIssued: false)
        let identity = folder.path + "/identity.txt"
        let recipients = folder.path + "/recipients.txt"
        #expect(try await Command.runAsync("/usr/bin/age-keygen", ["-o", identity]).succeeded)
        let recipient = try await Command.runAsync("/usr/bin/age-keygen", ["-y", identity])
        try recipient.output.write(toFile: recipients, atomically: true, encoding: .utf8)
        return Fixture(folder: folder, install: install, onions: onions, identity: identity, recipients: recipients)
    }

    static func onionops(_ arguments: [String]) async throws -> Command.Result {
        try await Command.runAsync(OnionOpsBinary.url.path, arguments)
    }

    @Test func importedKeysKeepTheirAddressesAndCertificates() async throws {
        let fixture = try await Self.fixture()
        defer { fixture.folder.remove() }
        let imported = try await Self.onionops([
            "import", fixture.install.root, "--out", fixture.out, "--recipients", fixture.recipients, "--sandbox",
            fixture.folder.path + "/hosts",
        ])
        #expect(imported.succeeded, "\(imported.output)")
        #expect(imported.output.contains("news.conf: "))
        #expect(imported.output.contains("shop.tconf: "))

        let validated = try await Self.onionops(["validate", fixture.out])
        #expect(validated.succeeded, "\(validated.output)")
        let checked = try await Self.onionops(["keys", "check", fixture.out, "--identity", fixture.identity])
        #expect(checked.succeeded, "\(checked.output)")

        // Tor's own reading of each imported key: the hostname it derives.
        let store = SealedKeyStore(folder: fixture.out + "/keys")
        for onion in fixture.onions {
            guard case .success(let address) = OnionAddress.parse(onion) else {
                Issue.record("\(onion) does not parse")
                continue
            }
            let key = try await store.open(address, identityFile: fixture.identity)
            let hostname = try await Self.torHostname(secretKeyFile: key.torSecretKeyFile, in: fixture.folder.path)
            #expect(hostname == onion)
        }
        // %NEW_V3_ONION% made a key, sealed like the others.
        let listing = try store.list()
        #expect(listing.onionKeys.count == 4)
        #expect(listing.backendSecretProjects == ["shop"])

        // EC with its EC PARAMETERS block, and PKCS#1 RSA: both sealed as PKCS#8 with their certificate.
        for onion in fixture.onions.prefix(2) {
            guard case .success(let address) = OnionAddress.parse(onion) else { continue }
            let (certificate, key) = try await store.openTLS(.site(address), identityFile: fixture.identity)
            #expect(key.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            #expect(!key.contains("EC PARAMETERS"))
            #expect(try TLSCertificateFacts(chainPEM: certificate).isCertified(keyPEM: key))
        }
        let news = try String(contentsOfFile: fixture.out + "/projects/news.yaml", encoding: .utf8)
        #expect(news.contains("pathPatterns: ['^/wp-admin', '\\.php$']"))
        #expect(news.contains("enabled: false   # set nginx_cache_seconds"))
        // Both certificates are there and one is a CA's: the project's certificates are the operator's.
        #expect(news.contains("source: operator   # CA-issued certificates"))
        let shop = try String(contentsOfFile: fixture.out + "/projects/shop.yaml", encoding: .utf8)
        #expect(shop.contains("scope: project"))
        #expect(listing.projectCertificates == ["shop"])
        let hosts = try String(contentsOfFile: fixture.out + "/hosts.yaml", encoding: .utf8)
        #expect(hosts.contains("name: local") && hosts.contains("name: worker2"))

        // Nothing in plain: no tor key header, no PEM private key.
        #expect(PlaintextKeyScan.scan(fixture.out).isEmpty)
        let everything = try FileManager.default.subpathsOfDirectory(atPath: fixture.out)
        for file in everything {
            let data = FileManager.default.contents(atPath: fixture.out + "/" + file) ?? Data()
            #expect(!String(decoding: data, as: UTF8.self).contains("PRIVATE KEY"), "\(file)")
        }

        // A second import into the same folder is refused; the folder stays.
        let again = try await Self.onionops([
            "import", fixture.install.root, "--out", fixture.out, "--recipients", fixture.recipients,
        ])
        #expect(again.exitCode == 1)
        #expect(again.output.contains("is not empty"))
        #expect(FileManager.default.fileExists(atPath: fixture.out + "/projects/news.yaml"))
    }

    @Test func anErrorWritesNothing() async throws {
        let fixture = try await Self.fixture()
        defer { fixture.folder.remove() }
        try fixture.install.write("broken.conf", "set project broken\nhardmap facebookcorewwwi example.org\n")
        let result = try await Self.onionops([
            "import", fixture.install.root, "--out", fixture.out, "--recipients", fixture.recipients,
        ])
        #expect(result.exitCode == 1)
        #expect(result.output.contains("broken.conf:2:9: error:"))
        #expect(result.output.contains("[import-key]"))
        #expect(!FileManager.default.fileExists(atPath: fixture.out))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path)
        #expect(!leftovers.contains { $0.hasPrefix("imported") })
    }

    @Test func strictFailsOnUnsupportedAndJSONReportsIt() async throws {
        let fixture = try await Self.fixture()
        defer { fixture.folder.remove() }
        try fixture.install.write("extra.conf", "set tor_syslog info\n")
        let result = try await Spawn.capture(
            OnionOpsBinary.url.path,
            [
                "import", fixture.install.root, "--out", fixture.out, "--recipients", fixture.recipients, "--sandbox",
                fixture.folder.path + "/hosts", "--strict", "--output", "json",
            ], environment: .inherited)
        #expect(result.status == 1, "\(String(decoding: result.stderr, as: UTF8.self))")
        // stdout is the JSON report alone.
        let report = try JSONDecoder().decode(ReportShape.self, from: Data(result.stdout))
        let unsupported = report.entries.filter { $0.status == "unsupported" }
        #expect(unsupported.map(\.statement) == ["set tor_syslog info"])
        #expect(unsupported.first?.location?.line == 1)
    }

    struct ReportShape: Decodable {
        struct Entry: Decodable {
            var statement: String
            var status: String
            var location: OnionOpsCore.SourceLocation?
        }
        var entries: [Entry]
    }

    /// The hostname tor writes for a secret key file it is given alone.
    static func torHostname(secretKeyFile: [UInt8], in parent: String) async throws -> String {
        let work = parent + "/tor-check-\(UUID().uuidString.prefix(8))"
        let service = work + "/hs"
        try FileManager.default.createDirectory(atPath: service, withIntermediateDirectories: true)
        chmod(service, 0o700)
        try Data(secretKeyFile).write(to: URL(fileURLWithPath: service + "/hs_ed25519_secret_key"))
        let torrc = [
            "DataDirectory \(work)/data", "DisableNetwork 1", "SocksPort 0", "HiddenServiceDir \(service)",
            "HiddenServicePort 80 127.0.0.1:9",
        ]
        try (torrc.joined(separator: "\n") + "\n").write(toFile: work + "/torrc", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: work) }
        return try await BlockingPool.shared.run {
            let tor = try BackgroundProcess("/usr/bin/tor", ["-f", work + "/torrc"], log: work + "/tor.log")
            defer { tor.stop() }
            guard tor.wait(upTo: 30, until: { FileManager.default.fileExists(atPath: service + "/hostname") }) else {
                throw TestNetwork.Failure(description: "tor wrote no hostname:\n\(tor.log)")
            }
            return try String(contentsOfFile: service + "/hostname", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
