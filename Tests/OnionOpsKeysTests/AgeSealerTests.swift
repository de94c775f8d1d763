import Foundation
import OnionOpsKeys
import OnionOpsSecrets
import OnionOpsTestSupport
import Testing

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: Tool.agePath)))
struct AgeSealerTests {
    let sealer = AgeSealer()

    func code(_ body: () async throws -> Void) async -> SecretsError.Code? {
        do {
            try await body()
            return nil
        } catch {
            return (error as? SecretsError)?.code
        }
    }

    @Test func roundTripAndWrongIdentity() async throws {
        let scratch = try TemporaryFolder(prefix: "oo-age")
        defer { scratch.remove() }
        let first = try Tool.makeAgeIdentity(in: scratch, name: "first.txt")
        let second = try Tool.makeAgeIdentity(in: scratch, name: "second.txt")
        let third = try Tool.makeAgeIdentity(in: scratch, name: "third.txt")
        let plaintext = OnionKey.generate().torSecretKeyFile

        let sealed = try await sealer.seal(plaintext, to: [first.recipient, second.recipient])
        #expect(sealed != plaintext)
        #expect(sealed.starts(with: Array("age-encryption.org/v1".utf8)))
        #expect(PlaintextKeyDetector.detect(sealed) == nil)
        #expect(try await sealer.open(sealed, identityFile: first.file) == plaintext)
        #expect(try await sealer.open(sealed, identityFile: second.file) == plaintext)
        #expect(await code { _ = try await sealer.open(sealed, identityFile: third.file) } == .wrongIdentity)
    }

    @Test func errorsAreValuesWithCodes() async throws {
        let scratch = try TemporaryFolder(prefix: "oo-age")
        defer { scratch.remove() }
        let identity = try Tool.makeAgeIdentity(in: scratch, name: "id.txt")
        let sealed = try await sealer.seal([1, 2, 3], to: [identity.recipient])
        let notIdentity = try scratch.write("not-identity.txt", "hello\n")

        #expect(
            await code { _ = try await sealer.open(sealed, identityFile: scratch.path + "/none.txt") }
                == .noSuchIdentity)
        #expect(await code { _ = try await sealer.open(sealed, identityFile: notIdentity) } == .badIdentity)
        #expect(
            await code { _ = try await sealer.open(Array(sealed.prefix(40)), identityFile: identity.file) }
                == .notSealed)
        #expect(
            await code { _ = try await sealer.open(Array("plain".utf8), identityFile: identity.file) } == .notSealed)
        #expect(await code { _ = try await sealer.seal([1], to: []) } == .noRecipients)
        #expect(await code { _ = try await sealer.seal([1], to: ["age1notarecipient"]) } == .badRecipient)
    }
}

@Suite struct AgeIdentityLocationTests {
    @Test func flagThenEnvironmentThenDefault() {
        let env = ["ONIONOPS_AGE_IDENTITY": "/env/id.txt"]
        #expect(
            AgeIdentityLocation.resolve(flag: "/flag/id.txt", environment: env)
                == .init(path: "/flag/id.txt", source: .flag))
        #expect(
            AgeIdentityLocation.resolve(flag: nil, environment: env) == .init(path: "/env/id.txt", source: .environment)
        )
        #expect(AgeIdentityLocation.resolve(flag: "", environment: env).source == .environment)
        #expect(
            AgeIdentityLocation.resolve(flag: nil, environment: ["ONIONOPS_AGE_IDENTITY": ""])
                == .init(path: "/etc/onionops/age-identity.txt", source: .defaultPath)
        )
        #expect(AgeIdentityLocation.resolve(flag: nil, environment: [:]).path == "/etc/onionops/age-identity.txt")
    }
}
