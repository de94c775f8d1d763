import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

/// `keys tls` (umbrella, --renew, --import-chain) and `keys csr`, through
/// the binary, checked with openssl.
@Suite("keys tls and keys csr")
struct KeysTLSCLITests {
    static var identity: String { RepositoryPaths.demoIdentity.path }
    static let news = "fkncfijxnkt4aa7zfs6bhrbpkbqmfzg7f5ejrj4pmvscedss7h3qivid.onion"
    static let other = "4vk2czq6ok5fmbyfulsdh7jfi7nwu2pzq47v646bwq2nwpsj7m7mnmyd.onion"

    /// manifests/ with project news on one umbrella certificate.
    func umbrellaManifests() throws -> TemporaryFolder {
        let folder = try TemporaryFolder(prefix: "oo-tlscli")
        try FileManager.default.copyItem(atPath: RepositoryPaths.manifests.path, toPath: folder.path + "/m")
        let projects = folder.path + "/m/projects.yaml"
        var text = try String(contentsOfFile: projects, encoding: .utf8)
        let anchor = "  nginx:\n    upstreamHeaders:"
        #expect(text.contains(anchor))
        text = text.replacingOccurrences(
            of: anchor,
            with:
                "  nginx:\n    tls:\n      scope: project\n      subject: {organization: Example News, country: \"NO\"}\n"
                + "    upstreamHeaders:")
        try text.write(toFile: projects, atomically: true, encoding: .utf8)
        return folder
    }

    func run(_ arguments: [String], in folder: TemporaryFolder) throws -> OnionOpsBinary.Result {
        try OnionOpsBinary.run(arguments, in: folder.path)
    }

    func openssl(_ arguments: [String], in folder: TemporaryFolder) throws -> Command.Captured {
        try Command.capture("/usr/bin/openssl", arguments, in: folder.path)
    }

    @Test("umbrella: keys tls seals one certificate naming both onions; check wants it; render places it")
    func umbrella() throws {
        let folder = try umbrellaManifests()
        defer { folder.remove() }
        let missing = try run(["keys", "check", "m", "--identity", Self.identity], in: folder)
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("no umbrella TLS certificate for project news"), "\(missing.stderr)")
        let made = try run(["keys", "tls", "m"], in: folder)
        #expect(made.exitCode == 0, "\(made.stderr)")
        #expect(made.stdout.contains("sealed m/keys/news.project.tls.age"), "\(made.stdout)")
        #expect(made.stderr.contains("1 certificate made"))
        let check = try run(["keys", "check", "m", "--identity", Self.identity], in: folder)
        #expect(check.exitCode == 0, "\(check.stderr)")

        let render = try run(
            ["render", "m", "--host", "edge-1", "--out", "out", "--with-keys", "--identity", Self.identity], in: folder)
        #expect(render.exitCode == 0, "\(render.stderr)")
        let certificate = "out/etc/onionops/projects/news/tls/project.crt"
        let text = try openssl(["x509", "-noout", "-text", "-in", certificate], in: folder)
        #expect(text.exitCode == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Subject: C = NO, O = Example News, CN = \(Self.news)"), "\(text.stdout)")
        for name in [
            Self.news, "*.\(Self.news)", "www.\(Self.news)", "*.www.\(Self.news)", "*.static.\(Self.news)", Self.other,
            "*.\(Self.other)", "*.www.\(Self.other)",
        ] {
            #expect(text.stdout.contains("DNS:\(name)"), "\(name) missing")
        }
        let nginx = try String(
            contentsOfFile: folder.path + "/out/etc/onionops/projects/news/nginx.conf", encoding: .utf8)
        // The default server and both sites' servers.
        #expect(
            nginx.components(
                separatedBy: "ssl_certificate /tmp/onionops-demo/edge-1/etc/onionops/projects/news/tls/project.crt;"
            ).count == 4, "\(nginx)")
        #expect(!nginx.contains("tls/fkncfijxnkt4aa7z"), "a per-site certificate in an umbrella project")
        #expect(
            !FileManager.default.fileExists(
                atPath: folder.path + "/out/etc/onionops/projects/news/tls/fkncfijxnkt4aa7z.crt"))
    }

    @Test("keys csr: openssl verifies the request; it is for the sealed key; wrong selectors are refused")
    func csr() throws {
        let folder = try umbrellaManifests()
        defer { folder.remove() }
        // Nothing sealed for the umbrella yet: csr makes and seals it first.
        let request = try run(
            ["keys", "csr", "m", "--project", "news", "--umbrella", "--out", "news.csr", "--identity", Self.identity],
            in: folder)
        #expect(request.exitCode == 0, "\(request.stderr)")
        #expect(request.stderr.contains("sealed a new key"), "\(request.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.path + "/m/keys/news.project.tls.age"))
        let verify = try openssl(["req", "-verify", "-noout", "-text", "-in", "news.csr"], in: folder)
        #expect(verify.exitCode == 0, "\(verify.stderr)")
        #expect((verify.stdout + verify.stderr).contains("verify OK"))
        #expect(verify.stdout.contains("DNS:*.www.\(Self.other)"))
        // Again: the same key, not a new one.
        let again = try run(
            ["keys", "csr", "m", "--project", "news", "--umbrella", "--identity", Self.identity], in: folder)
        #expect(again.exitCode == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("sealed a new key"))
        try again.stdout.write(toFile: folder.path + "/again.csr", atomically: true, encoding: .utf8)
        let first = try openssl(["req", "-noout", "-pubkey", "-in", "news.csr"], in: folder)
        let second = try openssl(["req", "-noout", "-pubkey", "-in", "again.csr"], in: folder)
        #expect(!first.stdout.isEmpty && first.stdout == second.stdout)

        for (arguments, message) in [
            (["--project", "news", "--site", Self.news], "name its umbrella certificate with --umbrella"),
            (["--project", "shop", "--umbrella"], "name one with --site ONION"),
            (["--project", "shop", "--site", Self.news], "is not a site of project shop"),
            (["--project", "nosuch", "--umbrella"], "no project 'nosuch'"),
        ] {
            let refused = try run(["keys", "csr", "m", "--identity", Self.identity] + arguments, in: folder)
            #expect(refused.exitCode == 1)
            #expect(refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
        }
    }

    @Test("--import-chain: a chain for another key is refused; the CA's chain for the CSR is sealed and renders")
    func importChain() throws {
        let folder = try umbrellaManifests()
        defer { folder.remove() }
        _ = try run(["keys", "tls", "m"], in: folder)
        let request = try run(
            ["keys", "csr", "m", "--project", "news", "--umbrella", "--out", "news.csr", "--identity", Self.identity],
            in: folder)
        #expect(request.exitCode == 0, "\(request.stderr)")
        // A test CA issues for the request, and for a stranger's key.
        for arguments in [
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.crt", "-subj", "/CN=Test CA", "-days", "30",
            ],
            [
                "x509", "-req", "-in", "news.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                "issued.crt", "-days", "20", "-copy_extensions", "copy",
            ],
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "other.key",
                "-subj", "/CN=\(Self.news)", "-out", "other.csr",
            ],
            [
                "x509", "-req", "-in", "other.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-out", "other.crt", "-days",
                "20",
            ],
        ] {
            let step = try openssl(arguments, in: folder)
            try #require(step.exitCode == 0, "\(arguments): \(step.stderr)")
        }
        let issued = try String(contentsOfFile: folder.path + "/issued.crt", encoding: .utf8)
        let ca = try String(contentsOfFile: folder.path + "/ca.crt", encoding: .utf8)
        try (issued + ca).write(toFile: folder.path + "/chain.pem", atomically: true, encoding: .utf8)

        let stranger = try run(
            [
                "keys", "tls", "m", "--import-chain", "other.crt", "--project", "news", "--umbrella", "--identity",
                Self.identity,
            ], in: folder)
        #expect(stranger.exitCode == 1)
        #expect(stranger.stderr.contains("certifies another key"), "\(stranger.stderr)")
        let withKey = try run(
            [
                "keys", "tls", "m", "--import-chain", "other.key", "--project", "news", "--umbrella", "--identity",
                Self.identity,
            ], in: folder)
        #expect(withKey.exitCode == 1)
        #expect(withKey.stderr.contains("holds a private key"), "\(withKey.stderr)")

        let sealed = try run(
            [
                "keys", "tls", "m", "--import-chain", "chain.pem", "--project", "news", "--umbrella", "--identity",
                Self.identity,
            ], in: folder)
        #expect(sealed.exitCode == 0, "\(sealed.stderr)")
        #expect(sealed.stderr.contains("set nginx.tls.source: operator"), "\(sealed.stderr)")
        #expect(!sealed.stderr.contains("does not name"), "the CA copied every requested name: \(sealed.stderr)")
        let check = try run(["keys", "check", "m", "--identity", Self.identity], in: folder)
        #expect(check.exitCode == 0, "\(check.stderr)")
        // A CA's certificate is never reissued as a self-signed one.
        let renew = try run(["keys", "tls", "m", "--renew", "--all", "--identity", Self.identity], in: folder)
        #expect(renew.exitCode == 1)
        #expect(renew.stderr.contains("news.project.tls.age: warning: issued by a CA"), "\(renew.stderr)")

        let render = try run(
            ["render", "m", "--host", "edge-1", "--out", "out", "--with-keys", "--identity", Self.identity], in: folder)
        #expect(render.exitCode == 0, "\(render.stderr)")
        let verify = try openssl(
            ["verify", "-CAfile", "ca.crt", "out/etc/onionops/projects/news/tls/project.crt"], in: folder)
        #expect(verify.exitCode == 0, "\(verify.stdout) \(verify.stderr)")
    }

    @Test("--renew: only certificates expiring within 30 days, same key, new window; --all renews every one")
    func renew() throws {
        let folder = try umbrellaManifests()
        defer { folder.remove() }
        // shop's certificate lives 10 days: due; news's umbrella 365: not.
        let projects = folder.path + "/m/projects.yaml"
        var text = try String(contentsOfFile: projects, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "  nginx:\n    block:", with: "  nginx:\n    tls: {lifetimeDays: 10}\n    block:")
        try text.write(toFile: projects, atomically: true, encoding: .utf8)
        let shopFile = "m/keys/q77xjelhcfjoqt66gfqsnrrykv4l55ctqk4byt5z4tohtedwxcbcjtyd.onion.tls.age"
        try FileManager.default.removeItem(atPath: folder.path + "/" + shopFile)
        #expect(try run(["keys", "tls", "m"], in: folder).exitCode == 0)

        let before = try renderedCertificates(folder, "before")
        let renew = try run(["keys", "tls", "m", "--renew", "--identity", Self.identity], in: folder)
        #expect(renew.exitCode == 0, "\(renew.stderr)")
        #expect(renew.stdout.contains("renewed \(shopFile)"), "\(renew.stdout)")
        #expect(!renew.stdout.contains("news.project.tls.age"), "\(renew.stdout)")
        #expect(renew.stderr.contains("1 certificate renewed"))
        let after = try renderedCertificates(folder, "after")
        #expect(after.shop.key == before.shop.key, "a renewal keeps the key")
        #expect(after.shop.certificate != before.shop.certificate)
        #expect(after.news.certificate == before.news.certificate, "not due: left alone")
        let dates = try openssl(["x509", "-noout", "-dates", "-subject", "-in", after.shop.path], in: folder)
        #expect(dates.exitCode == 0, "\(dates.stderr)")
        #expect(dates.stdout.contains("CN = q77xjelhcfjoqt66gfqsnrrykv4l55ctqk4byt5z4tohtedwxcbcjtyd.onion"))

        let all = try run(["keys", "tls", "m", "--renew", "--all", "--identity", Self.identity], in: folder)
        #expect(all.exitCode == 0, "\(all.stderr)")
        #expect(all.stderr.contains("2 certificates renewed"), "\(all.stderr)")
        let misuse = try run(["keys", "tls", "m", "--all"], in: folder)
        #expect(misuse.exitCode != 0)
    }

    struct Placed: Equatable {
        var path: String
        var certificate: String
        var key: String
    }

    /// The certificates edge-1 gets, rendered into `name`.
    func renderedCertificates(_ folder: TemporaryFolder, _ name: String) throws -> (shop: Placed, news: Placed) {
        let render = try run(
            ["render", "m", "--host", "edge-1", "--out", name, "--with-keys", "--identity", Self.identity], in: folder)
        try #require(render.exitCode == 0, "\(render.stderr)")
        func placed(_ base: String) throws -> Placed {
            Placed(
                path: base + ".crt",
                certificate: try String(contentsOfFile: folder.path + "/" + base + ".crt", encoding: .utf8),
                key: try String(contentsOfFile: folder.path + "/" + base + ".key", encoding: .utf8))
        }
        return (
            try placed("\(name)/etc/onionops/projects/shop/tls/q77xjelhcfjoqt66"),
            try placed("\(name)/etc/onionops/projects/news/tls/project")
        )
    }
}
