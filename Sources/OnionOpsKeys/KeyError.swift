/// A problem with key or certificate material, as a value: a stable code
/// for scripts and tests, and a message for people.
///
/// Messages never include secret bytes.
public struct KeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable identifiers, in the style of `DiagnosticCode`.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A secret or public key file whose length is not tor's.
        case wrongLength = "key-wrong-length"
        /// A key file whose 32-byte header is not tor's.
        case badHeader = "key-bad-header"
        /// An expanded secret key whose scalar is not clamped: not one tor
        /// or any Ed25519 implementation would have made, so corrupt.
        case notClamped = "key-not-clamped"
        /// A seed or per-project secret that is not 32 bytes.
        case badSeed = "key-bad-seed"
        /// A public key (or address) that does not belong to the secret key.
        case publicKeyMismatch = "key-public-mismatch"
        /// A certificate lifetime below one day.
        case badLifetime = "tls-bad-lifetime"
        /// swift-certificates refused to build or serialize a certificate.
        case certificate = "tls-certificate"
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
