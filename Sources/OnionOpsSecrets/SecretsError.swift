import OnionOpsCore

/// A problem sealing, opening or storing a secret, as a value: a stable
/// code and a message naming the file involved. Never carries secret bytes.
public struct SecretsError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Sealing failed for a reason not listed here (an internal
        /// cryptographic error).
        case ageFailed = "age-failed"
        /// The identity file does not exist or cannot be read.
        case noSuchIdentity = "age-no-such-identity"
        /// The identity file is not an age identity file.
        case badIdentity = "age-bad-identity"
        /// None of the identities can open the sealed file.
        case wrongIdentity = "age-wrong-identity"
        /// No recipients to seal to.
        case noRecipients = "age-no-recipients"
        /// A recipient OnionOps cannot seal to (only age X25519 `age1...`).
        case badRecipient = "age-bad-recipient"
        /// The sealed bytes are not an age file (truncated, corrupt, plaintext).
        case notSealed = "age-not-sealed"
        /// Reading or writing the keys folder failed.
        case fileSystem = "secrets-file-system"
        /// Sealing would replace an existing sealed key; keys are never
        /// replaced silently.
        case alreadyExists = "secrets-already-exists"
        /// The opened bytes are not a valid key (see the message for why).
        case badKey = "secrets-bad-key"
        /// The opened key belongs to another address than its file name says.
        case addressMismatch = "secrets-address-mismatch"
        /// A file in the keys folder that is neither a sealed key nor
        /// `recipients.txt`.
        case unexpectedFile = "secrets-unexpected-file"
        /// A link, folder or special file where a key file should be: never
        /// followed or opened.
        case notRegularFile = "secrets-not-regular-file"
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        // A last line of defence: whatever a caller put in (a tool's
        // stderr, a path), no key material is carried.
        self.message = SecretRedaction.redact(message)
    }

    public var description: String { "\(SecretRedaction.redact(message)) [\(code.rawValue)]" }
}
