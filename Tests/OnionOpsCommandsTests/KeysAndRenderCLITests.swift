import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

/// `keys new`, `keys tls`, `keys check` and `render`, through the binary.
@Suite("keys and render commands")
struct KeysAndRenderCLITests {
    static var identity: String { RepositoryPaths.demoIdentity.path }

    /// A copy of manifests/ to change freely.
    func copyOfManifests() throws -> TemporaryFolder {
        let folder = try TemporaryFolder(prefix: "oo-keys")
        try FileManager.default.copyItem(atPath: RepositoryPaths.manifests.path, toPath: folder.path + "/m")
        return folder
    }

    @Test("keys check: every example's keys open with the demo identity and match")
    func checkExamples() throws {
        let folders = try RepositoryPaths.exampleFolders().map(\.path) + [RepositoryPaths.manifests.path]
        for folder in folders {
            let run = try OnionOpsBinary.run(["keys", "check", folder, "--identity", Self.identity])
            #expect(run.exitCode == 0, "\(folder): \(run.stderr)")
        }
    }

    @Test("keys check: without --identity it uses the default path, not the demo identity")
    func defaultIdentity() throws {
        let run = try OnionOpsBinary.run(["keys", "check", RepositoryPaths.manifests.path])
        // Either way it names the default path it used.
        #expect((run.stdout + run.stderr).contains("/etc/onionops/age-identity.txt (from default)"), "\(run.stderr)")
        if !FileManager.default.fileExists(atPath: "/etc/onionops/age-identity.txt") {
            #expect(run.exitCode == 1)
        }
    }

    @Test("keys check fails, naming the file, on a plaintext key anywhere in the repo")
    func plaintextKey() throws {
        let folder = try copyOfManifests()
        defer { folder.remove() }
        var key = Array("== ed25519v1-secret: type0 ==".utf8) + [0, 0, 0]
        key += [UInt8](repeating: 9, count: 64)
        try folder.write("m/notes/backup/hs_ed25519_secret_key", Data(key))
        let run = try OnionOpsBinary.run(["keys", "check", "m", "--identity", Self.identity], in: folder.path)
        #expect(run.exitCode == 1)
        #expect(
            run.stderr.contains("m/notes/backup/hs_ed25519_secret_key:1:1: error: a tor onion secret key in the clear"),
            "\(run.stderr)")
    }

    @Test("keys new: seals a fresh key and prints its address; keys check then wants its certificate")
    func newKey() throws {
        let folder = try copyOfManifests()
        defer { folder.remove() }
        let run = try OnionOpsBinary.run(["keys", "new", "m"], in: folder.path)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let address = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect((try? OnionAddress.parse(address).get()) != nil, "not an address: \(address)")
        #expect(FileManager.default.fileExists(atPath: "\(folder.path)/m/keys/\(address).age"))

        // A site using it, without a certificate yet: check says so, tls fixes it.
        let projects = "\(folder.path)/m/projects.yaml"
        var text = try String(contentsOfFile: projects, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "  nginx:\n    upstreamHeaders:",
            with: "    - onion: \(address)\n      upstream: example.info\n  nginx:\n    upstreamHeaders:"
        )
        try text.write(toFile: projects, atomically: true, encoding: .utf8)
        let missing = try OnionOpsBinary.run(["keys", "check", "m", "--identity", Self.identity], in: folder.path)
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("no TLS certificate for \(address)"), "\(missing.stderr)")
        let tls = try OnionOpsBinary.run(["keys", "tls", "m"], in: folder.path)
        #expect(tls.exitCode == 0, "\(tls.stderr)")
        let fixed = try OnionOpsBinary.run(["keys", "check", "m", "--identity", Self.identity], in: folder.path)
        #expect(fixed.exitCode == 0, "\(fixed.stderr)")
    }

    @Test("keys new --project: a softmap backend secret, never replaced")
    func backendSecret() throws {
        let folder = try copyOfManifests()
        defer { folder.remove() }
        let again = try OnionOpsBinary.run(["keys", "new", "m", "--project", "shop"], in: folder.path)
        #expect(again.exitCode == 1)
        #expect(again.stderr.contains("never replaced"))
        try FileManager.default.removeItem(atPath: "\(folder.path)/m/keys/shop.backends.age")
        let fresh = try OnionOpsBinary.run(["keys", "new", "m", "--project", "shop"], in: folder.path)
        #expect(fresh.exitCode == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.split(separator: "\n").count == 4, "one line per backend: \(fresh.stdout)")
    }

    @Test("render: one host's files, key files only with --with-keys")
    func render() throws {
        let out = try TemporaryFolder(prefix: "oo-out")
        defer { out.remove() }
        let plain = try OnionOpsBinary.run(
            [
                "render", RepositoryPaths.manifests.path, "--host", "edge-2", "--out", out.path + "/a", "--identity",
                Self.identity,
            ]
        )
        #expect(plain.exitCode == 0, "\(plain.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.path + "/a/etc/onionops/balancers/shop-front/config.yaml"))
        #expect(!plain.stdout.contains("secret"))
        let withKeys = try OnionOpsBinary.run(
            [
                "render", RepositoryPaths.manifests.path, "--host", "edge-2", "--out", out.path + "/b", "--identity",
                Self.identity, "--with-keys",
            ]
        )
        #expect(withKeys.exitCode == 0, "\(withKeys.stderr)")
        #expect(withKeys.stdout.contains("(secret, 96 bytes)"))
        let unknown = try OnionOpsBinary.run(
            [
                "render", RepositoryPaths.manifests.path, "--host", "edge-9", "--out", out.path + "/c", "--identity",
                Self.identity,
            ]
        )
        #expect(unknown.exitCode == 1)
        #expect(unknown.stderr.contains("no host 'edge-9'"))
    }

    @Test("render without the identity explains how to pass one")
    func renderNeedsIdentity() throws {
        let out = try TemporaryFolder(prefix: "oo-out")
        defer { out.remove() }
        let run = try OnionOpsBinary.run(
            [
                "render", RepositoryPaths.manifests.path, "--host", "edge-1", "--out", out.path, "--identity",
                "/nonexistent/id",
            ]
        )
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("hint: pass --identity FILE"))
    }
}
