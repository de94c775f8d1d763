import Crypto

/// Seals bytes to age recipients and opens them with an identity file, in
/// process: the age v1 format (age-encryption.org/v1) with X25519
/// recipients, built on swift-crypto. The plaintext stays in this process's
/// memory; no `age` process, no temporary file. The `age` binary remains
/// the reference the tests check against, both ways.
///
/// Accepted: `age1...` recipients; identity files of `AGE-SECRET-KEY-1...`
/// lines; binary and armored (`age -a`) sealed files. Refused by name: SSH
/// and plugin recipients and identities, which only the `age` binary knows.
public struct AgeSealer: Sendable {
    public init() {}

    /// `plaintext` sealed to every recipient (`age1...`): any one of their
    /// identities can open it.
    public func seal(_ plaintext: [UInt8], to recipients: [String]) async throws(SecretsError) -> [UInt8] {
        guard !recipients.isEmpty else {
            throw SecretsError(code: .noRecipients, message: "no age recipients to seal to")
        }
        var parsed: [AgeX25519Recipient] = []
        for (index, recipient) in recipients.enumerated() {
            if let problem = SealedKeyStore.recipientProblem(recipient) {
                throw SecretsError(code: .badRecipient, message: "recipient \(index + 1) \(problem)")
            }
            do {
                parsed.append(try AgeX25519Recipient(parsing: recipient))
            } catch {
                throw SecretsError(code: .badRecipient, message: "recipient \(index + 1) \(error.message)")
            }
        }
        return try Self.seal(plaintext, to: parsed)
    }

    /// The plaintext of `sealed`, opened with the identities in
    /// `identityFile` (as `age-keygen` writes it).
    public func open(_ sealed: [UInt8], identityFile: String) async throws(SecretsError) -> [UInt8] {
        let identities = try AgeIdentityFile.load(identityFile)
        do {
            return try Self.open(sealed, with: identities)
        } catch  where error.code == .wrongIdentity {
            throw SecretsError(
                code: .wrongIdentity, message: "the identity in \(identityFile) is not a recipient of this sealed file")
        }
    }

    static func seal(_ plaintext: [UInt8], to recipients: [AgeX25519Recipient]) throws(SecretsError) -> [UInt8] {
        let fileKey = SymmetricKey(size: .bits128)
        var stanzas: [AgeStanza] = []
        for recipient in recipients { stanzas.append(try recipient.wrap(fileKey)) }
        return AgeHeader.encode(stanzas, fileKey: fileKey) + (try AgePayload.seal(plaintext, fileKey: fileKey))
    }

    /// Opens `sealed` (binary or armored) with the first identity that
    /// unwraps one of its stanzas; the header MAC is checked before any of
    /// the payload is opened.
    static func open(_ sealed: [UInt8], with identities: [AgeX25519Identity]) throws(SecretsError) -> [UInt8] {
        let binary = AgeArmor.isArmored(sealed) ? try AgeArmor.decode(sealed) : sealed
        let header = try AgeHeader.parse(binary)
        var fileKey: SymmetricKey?
        search: for stanza in header.stanzas {
            for identity in identities {
                if let key = try identity.unwrap(stanza) {
                    fileKey = key
                    break search
                }
            }
        }
        guard let fileKey else {
            throw SecretsError(code: .wrongIdentity, message: "no identity is a recipient of this sealed file")
        }
        guard header.isAuthentic(fileKey: fileKey) else {
            throw SecretsError(
                code: .notSealed, message: "not a valid age file (truncated or corrupt): the header MAC does not match")
        }
        return try AgePayload.open(binary[header.payloadOffset...], fileKey: fileKey)
    }
}
