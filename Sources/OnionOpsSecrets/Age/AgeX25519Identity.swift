import Crypto

/// An age X25519 identity (`AGE-SECRET-KEY-1...`): opens the stanzas
/// wrapped to its recipient.
struct AgeX25519Identity: Sendable {
    static let hrp = "age-secret-key-"

    var privateKey: Curve25519.KeyAgreement.PrivateKey

    init(privateKey: Curve25519.KeyAgreement.PrivateKey) {
        self.privateKey = privateKey
    }

    /// Parses `AGE-SECRET-KEY-1...`; nil when it is not one. (Callers say
    /// which line was wrong; the text is secret and never quoted.)
    init?(parsing text: String) {
        guard let (hrp, data) = AgeBech32.decode(text), hrp == Self.hrp, data.count == 32,
            let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: data)
        else { return nil }
        privateKey = key
    }

    var encoded: String {
        AgeBech32.encode(hrp: Self.hrp, data: Array(privateKey.rawRepresentation)).uppercased()
    }

    var recipient: AgeX25519Recipient { AgeX25519Recipient(publicKey: privateKey.publicKey) }

    /// The file key in `stanza` if it is an X25519 stanza wrapped to this
    /// identity; nil when it is for someone else. A malformed X25519
    /// stanza is an error: the format requires rejecting it.
    func unwrap(_ stanza: AgeStanza) throws(SecretsError) -> SymmetricKey? {
        guard stanza.arguments.first == "X25519" else { return nil }
        func malformed(_ why: String) -> SecretsError {
            SecretsError(code: .notSealed, message: "not a valid age file (truncated or corrupt): \(why)")
        }
        guard stanza.arguments.count == 2, let share = AgeBase64.decode(stanza.arguments[1]), share.count == 32 else {
            throw malformed("an X25519 stanza's share is malformed")
        }
        // Checked before decrypting, so a wrong length cannot be told
        // apart by timing (partitioning oracles).
        guard stanza.body.count == 32 else { throw malformed("an X25519 stanza's body is not 32 bytes") }
        guard let sharePublic = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: share),
            let shared = try? privateKey.sharedSecretFromKeyAgreement(with: sharePublic)
        else { throw malformed("an X25519 stanza has a low-order share") }
        let key = try AgeX25519Recipient.wrapKey(
            shared: shared, share: share, recipient: Array(privateKey.publicKey.rawRepresentation))
        do {
            let box = try ChaChaPoly.SealedBox(
                nonce: ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)),
                ciphertext: stanza.body.prefix(16), tag: stanza.body.suffix(16))
            return SymmetricKey(data: try ChaChaPoly.open(box, using: key))
        } catch {
            // Not wrapped to this identity.
            return nil
        }
    }
}
