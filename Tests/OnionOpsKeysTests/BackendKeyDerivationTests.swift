import OnionOpsKeys
import Testing

extension BackendKeyDerivation {
    /// A fixed project secret (bytes 0...31) for vectors.
    static let fixture: BackendKeyDerivation = {
        do {
            return try BackendKeyDerivation(projectSecret: (0..<32).map { UInt8($0) })
        } catch {
            preconditionFailure("32 bytes is a valid secret")
        }
    }()
}

@Suite struct BackendKeyDerivationTests {
    /// Computed independently (Python: hmac-based HKDF and the
    /// `cryptography` package's Ed25519) from the scheme as documented. If
    /// this changes, every deployed backend address changes.
    @Test func fixedVector() {
        let derivation = BackendKeyDerivation.fixture
        #expect(
            derivation.key(project: "news", host: "edge-1", instance: 0).address.description
                == "vvpqpylpcdtmfeuhxxvs45qps3lfbgpowohfrsx2nwfzbpcm5xqgtsad.onion"
        )
        #expect(
            derivation.key(project: "news", host: "edge-1", instance: 1).address.description
                == "ouams45pdsi6ea3yhgoi4u6phvs67nce3vvl5c46c6yndhtq3qmlywad.onion"
        )
    }

    @Test func deterministicAndDistinct() throws {
        let secret = BackendKeyDerivation.generateProjectSecret()
        #expect(secret.count == 32)
        let first = try BackendKeyDerivation(projectSecret: secret)
        let second = try BackendKeyDerivation(projectSecret: secret)
        var addresses = Set<String>()
        for project in ["news", "shop"] {
            for host in ["edge-1", "edge-2"] {
                for instance in 0..<4 {
                    let key = first.key(project: project, host: host, instance: instance)
                    #expect(key == second.key(project: project, host: host, instance: instance))
                    addresses.insert(key.address.description)
                }
            }
        }
        #expect(addresses.count == 16)
        // Field boundaries matter: ("ab", "c") is not ("a", "bc").
        #expect(first.key(project: "ab", host: "c", instance: 0) != first.key(project: "a", host: "bc", instance: 0))
        // Another secret, other addresses.
        let other = try BackendKeyDerivation(projectSecret: BackendKeyDerivation.generateProjectSecret())
        #expect(
            other.key(project: "news", host: "edge-1", instance: 0)
                != first.key(project: "news", host: "edge-1", instance: 0))
    }

    @Test func secretMustBe32Bytes() {
        #expect(throws: KeyError.self) { try BackendKeyDerivation(projectSecret: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: KeyError.self) { try BackendKeyDerivation(projectSecret: []) }
    }
}
