import Crypto

/// An age X25519 recipient (`age1...`): the public half of an identity,
/// which file keys are wrapped to.
struct AgeX25519Recipient: Sendable {
    static let hrp = "age"
    static let label = Array("age-encryption.org/v1/X25519".utf8)

    var publicKey: Curve25519.KeyAgreement.PublicKey

    init(publicKey: Curve25519.KeyAgreement.PublicKey) {
        self.publicKey = publicKey
    }

    /// Parses `age1...`; the error says what the text is, never quotes it.
    init(parsing text: String) throws(SecretsError) {
        guard let (hrp, data) = AgeBech32.decode(text), text == text.lowercased() else {
            throw SecretsError(code: .badRecipient, message: "is not an age recipient (`age1...`, Bech32)")
        }
        guard hrp == Self.hrp else {
            throw SecretsError(
                code: .badRecipient,
                message:
                    "is an age recipient of another type (plugin or post-quantum, `\(hrp)1...`); OnionOps seals to X25519 recipients (`age1...`) only"
            )
        }
        guard data.count == 32, let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: data) else {
            throw SecretsError(code: .badRecipient, message: "is not an age recipient (its key is not 32 bytes)")
        }
        publicKey = key
    }

    var encoded: String { AgeBech32.encode(hrp: Self.hrp, data: Array(publicKey.rawRepresentation)) }

    /// The wrap key of a stanza: HKDF-SHA-256(shared secret, salt: ephemeral
    /// share || recipient, the X25519 label).
    static func wrapKey(shared: SharedSecret, share: [UInt8], recipient: [UInt8]) throws(SecretsError)
        -> SymmetricKey
    {
        // An all-zero shared secret means a low-order share: refused, as
        // the format requires.
        let isZero = shared.withUnsafeBytes { bytes in bytes.reduce(0) { $0 | $1 } == 0 }
        guard !isZero else {
            throw SecretsError(
                code: .notSealed, message: "not a valid age file: an X25519 stanza has a low-order share")
        }
        return shared.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: share + recipient, sharedInfo: label, outputByteCount: 32)
    }

    /// A stanza wrapping `fileKey` to this recipient, with a fresh
    /// ephemeral key.
    func wrap(_ fileKey: SymmetricKey) throws(SecretsError) -> AgeStanza {
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        let share = Array(ephemeral.publicKey.rawRepresentation)
        do {
            let shared = try ephemeral.sharedSecretFromKeyAgreement(with: publicKey)
            let key = try Self.wrapKey(shared: shared, share: share, recipient: Array(publicKey.rawRepresentation))
            let box = try ChaChaPoly.seal(
                fileKey.withUnsafeBytes { Array($0) }, using: key,
                nonce: ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)))
            return AgeStanza(arguments: ["X25519", AgeBase64.encode(share)], body: Array(box.ciphertext + box.tag))
        } catch let error as SecretsError {
            throw SecretsError(code: .badRecipient, message: "cannot seal to this recipient: \(error.message)")
        } catch {
            throw SecretsError(code: .badRecipient, message: "cannot seal to this recipient: \(error)")
        }
    }
}
