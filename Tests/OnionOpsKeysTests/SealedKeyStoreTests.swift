import Foundation
import OnionOpsCore
import OnionOpsKeys
import OnionOpsSecrets
import OnionOpsTestSupport
import Testing

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: Tool.agePath)))
struct SealedKeyStoreTests {
    @Test func recipientsFileFormat() {
        let text = """
            # reconcilers
            age1aaa
              age1bbb   # edge-2

            ssh-ed25519 AAAAC3Nz host
            """
        #expect(SealedKeyStore.parseRecipients(text) == ["age1aaa", "age1bbb", "ssh-ed25519 AAAAC3Nz host"])
        #expect(SealedKeyStore.parseRecipients("# none\n\n") == [])
    }

    @Test func sealOpenListAndCheck() async throws {
        let scratch = try TemporaryFolder(prefix: "oo-keys")
        defer { scratch.remove() }
        let identity = try Tool.makeAgeIdentity(in: scratch, name: "id.txt")
        let stranger = try Tool.makeAgeIdentity(in: scratch, name: "stranger.txt")
        try scratch.write("keys/recipients.txt", "# the reconciler\n\(identity.recipient)\n")
        let store = SealedKeyStore(folder: scratch.path + "/keys")

        let key = OnionKey.generate()
        let path = try await store.seal(key)
        #expect(path == scratch.path + "/keys/\(key.address).age")
        #expect(try await store.open(key.address, identityFile: identity.file) == key)

        let secret = BackendKeyDerivation.generateProjectSecret()
        try await store.sealBackendSecret(secret, project: "news")
        let derivation = try await store.openBackendDerivation(project: "news", identityFile: identity.file)
        #expect(
            derivation.key(project: "news", host: "edge-1", instance: 0)
                == (try BackendKeyDerivation(projectSecret: secret)).key(project: "news", host: "edge-1", instance: 0)
        )

        let listing = try store.list()
        #expect(listing.onionKeys == [key.address])
        #expect(listing.backendSecretProjects == ["news"])
        #expect(listing.unexpectedFiles == [])
        let results = try await store.checkAll(identityFile: identity.file)
        #expect(results.count == 2)
        #expect(results.allSatisfy { $0.problem == nil })

        // Never replaced.
        await #expect(throws: SecretsError.self) { try await store.seal(key) }
        await #expect(throws: SecretsError.self) { try await store.sealBackendSecret(secret, project: "news") }
        #expect(try await store.open(key.address, identityFile: identity.file) == key)

        // Someone else's identity opens nothing.
        let foreign = try await store.checkAll(identityFile: stranger.file)
        #expect(foreign.map(\.problem?.code) == [.wrongIdentity, .wrongIdentity])
    }

    @Test func checkNamesEveryBadFile() async throws {
        let scratch = try TemporaryFolder(prefix: "oo-keys")
        defer { scratch.remove() }
        let identity = try Tool.makeAgeIdentity(in: scratch, name: "id.txt")
        try scratch.write("keys/recipients.txt", identity.recipient + "\n")
        let folder = scratch.path + "/keys"
        let store = SealedKeyStore(folder: folder)
        let sealer = AgeSealer()

        // A good key, then one under another key's name.
        let good = OnionKey.generate()
        try await store.seal(good)
        let impostor = OnionKey.generate()
        let claimed = OnionKey.generate().address
        let misnamed = try await sealer.seal(impostor.torSecretKeyFile, to: [identity.recipient])
        try scratch.write("keys/\(claimed).age", Data(misnamed))
        // A truncated key, sealed: opens, but must not reach a host.
        let short = OnionKey.generate()
        let truncated = try await sealer.seal(Array(short.torSecretKeyFile.dropLast()), to: [identity.recipient])
        try scratch.write("keys/\(short.address).age", Data(truncated))
        // A corrupt sealed file.
        let broken = OnionKey.generate()
        let sealed = try await sealer.seal(broken.torSecretKeyFile, to: [identity.recipient])
        try scratch.write("keys/\(broken.address).age", Data(sealed.dropLast(20)))
        // A plaintext key and a typo in a name.
        try scratch.write("keys/hs_ed25519_secret_key", Data(OnionKey.generate().torSecretKeyFile))
        try scratch.write("keys/\(TestOnions.withBadChecksum(good.address.description)).age", "x")

        let results = try await store.checkAll(identityFile: identity.file)
        // File name -> problem code, "ok" when it checked out.
        var codes: [String: String] = [:]
        for result in results {
            codes[(result.file as NSString).lastPathComponent] = result.problem?.code.rawValue ?? "ok"
        }
        #expect(codes.count == 6)
        #expect(codes["\(good.address).age"] == "ok")
        #expect(codes["\(claimed).age"] == SecretsError.Code.addressMismatch.rawValue)
        #expect(codes["\(short.address).age"] == SecretsError.Code.badKey.rawValue)
        #expect(codes["\(broken.address).age"] == SecretsError.Code.notSealed.rawValue)
        #expect(codes["hs_ed25519_secret_key"] == SecretsError.Code.unexpectedFile.rawValue)
        #expect(
            codes["\(TestOnions.withBadChecksum(good.address.description)).age"]
                == SecretsError.Code.unexpectedFile.rawValue)
        for result in results where result.problem != nil {
            #expect(result.problem?.message.contains(result.file) == true)
        }

        await #expect(throws: SecretsError.self) { try await store.open(short.address, identityFile: identity.file) }
    }

    @Test func missingOrEmptyRecipients() async throws {
        let scratch = try TemporaryFolder(prefix: "oo-keys")
        defer { scratch.remove() }
        let store = SealedKeyStore(folder: scratch.path)
        await #expect(throws: SecretsError.self) { try await store.seal(OnionKey.generate()) }
        try scratch.write("recipients.txt", "# nobody yet\n")
        #expect(
            throws: SecretsError(code: .noRecipients, message: "\(scratch.path)/recipients.txt lists no age recipients")
        ) {
            try store.recipients()
        }
    }
}
