import Foundation
import OnionOpsKeys
import OnionOpsTestSupport
import Testing

/// Against a real tor (offline): its keys import to the same address, and
/// it adopts ours.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: TorProcess.binary)))
struct TorInteropTests {
    @Test func importsAKeyTorGenerated() throws {
        let scratch = try TemporaryFolder(prefix: "oo-tor")
        defer { scratch.remove() }
        let files = try TorProcess.runOnce(serviceDir: scratch.path + "/hs", scratch: scratch)
        let secret = try #require(files["hs_ed25519_secret_key"])
        let publicFile = try #require(files["hs_ed25519_public_key"])
        let hostname = try #require(files["hostname"])

        let key = try OnionKey(torSecretKeyFile: secret)
        #expect(key.torPublicKeyFile == publicFile)
        #expect(key.hostnameFile == hostname)
        #expect(key.torSecretKeyFile == secret)
        try key.verify(torPublicKeyFile: publicFile)
    }

    @Test func torAdoptsAGeneratedKeyAlone() throws {
        let scratch = try TemporaryFolder(prefix: "oo-tor")
        defer { scratch.remove() }
        let key = OnionKey.generate()
        let serviceDir = try place(["hs_ed25519_secret_key": key.torSecretKeyFile], in: scratch)
        let files = try TorProcess.runOnce(serviceDir: serviceDir, scratch: scratch)
        #expect(files["hostname"] == key.hostnameFile)
        #expect(files["hs_ed25519_public_key"] == key.torPublicKeyFile)
        #expect(files["hs_ed25519_secret_key"] == key.torSecretKeyFile)
    }

    @Test func torAdoptsAllThreeFilesAndDerivedKeys() throws {
        let scratch = try TemporaryFolder(prefix: "oo-tor")
        defer { scratch.remove() }
        let key = BackendKeyDerivation.fixture.key(project: "news", host: "edge-1", instance: 1)
        let serviceDir = try place(key.torFiles, in: scratch)
        let files = try TorProcess.runOnce(serviceDir: serviceDir, scratch: scratch)
        #expect(files["hostname"] == key.hostnameFile)
        #expect(files["hs_ed25519_public_key"] == key.torPublicKeyFile)
        #expect(files["hs_ed25519_secret_key"] == key.torSecretKeyFile)
    }

    /// The trap the strict parser exists for: tor replaces a truncated key
    /// with a new one, and the onion address changes.
    @Test func torReplacesATruncatedKeyWhichWeRefuse() throws {
        let scratch = try TemporaryFolder(prefix: "oo-tor")
        defer { scratch.remove() }
        let key = OnionKey.generate()
        let truncated = Array(key.torSecretKeyFile.dropLast(8))
        #expect(throws: KeyError.self) { try OnionKey(torSecretKeyFile: truncated) }
        let serviceDir = try place(["hs_ed25519_secret_key": truncated], in: scratch)
        let files = try TorProcess.runOnce(serviceDir: serviceDir, scratch: scratch)
        #expect(files["hostname"] != nil)
        #expect(files["hostname"] != key.hostnameFile)
    }

    private func place(_ files: [String: [UInt8]], in scratch: TemporaryFolder) throws -> String {
        let dir = scratch.path + "/hs"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dir)
        for (name, bytes) in files {
            let path = dir + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        return dir
    }
}
