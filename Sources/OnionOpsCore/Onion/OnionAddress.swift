import Crypto

/// A v3 onion address: base32(pubkey || checksum || version) + ".onion".
///
/// Tor itself does not verify the checksum of a `MasterOnionAddress` in an
/// Onionbalance `ob_config`, so a typo there would silently break a
/// frontend; parsing checks it here instead.
public struct OnionAddress: Sendable, Hashable, CustomStringConvertible {
    // Equality and hashing follow the key; the text is derived from it.
    public static func == (lhs: OnionAddress, rhs: OnionAddress) -> Bool { lhs.publicKey == rhs.publicKey }
    public func hash(into hasher: inout Hasher) { hasher.combine(publicKey) }

    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]
    /// The address text, computed once: renderers print it thousands of
    /// times, and each computation is a SHA3 hash.
    public let description: String

    public static let version: UInt8 = 3
    public static let suffix = ".onion"
    public static let encodedLength = 56

    public init(publicKey: [UInt8]) {
        precondition(publicKey.count == 32, "an Ed25519 public key is 32 bytes")
        self.publicKey = publicKey
        self.description = Base32.encode(publicKey + Self.checksum(for: publicKey) + [Self.version]) + Self.suffix
    }

    /// The first 16 characters: short, still unique in practice, and used
    /// where a path must stay under the unix socket limit.
    public var shortName: String { String(description.prefix(16)) }

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case missingSuffix
        case wrongLength(Int)
        case notBase32
        case wrongVersion(UInt8)
        case badChecksum

        public var description: String {
            switch self {
            case .missingSuffix: "must end in '.onion'"
            case .wrongLength(let n): "must have 56 base32 characters before '.onion', not \(n)"
            case .notBase32: "must use only lowercase base32 characters (a-z, 2-7)"
            case .wrongVersion(let v): "has version \(v); only v3 addresses are supported"
            case .badChecksum: "has a bad checksum (a typo, or not a v3 address)"
            }
        }
    }

    public static func parse(_ text: String) -> Result<OnionAddress, ParseError> {
        guard text.hasSuffix(suffix) else { return .failure(.missingSuffix) }
        let encoded = text.dropLast(suffix.count)
        guard encoded.count == encodedLength else { return .failure(.wrongLength(encoded.count)) }
        guard let bytes = Base32.decode(encoded), bytes.count == 35 else { return .failure(.notBase32) }
        let key = Array(bytes[0..<32])
        guard bytes[34] == version else { return .failure(.wrongVersion(bytes[34])) }
        guard Array(bytes[32..<34]) == checksum(for: key) else { return .failure(.badChecksum) }
        return .success(OnionAddress(publicKey: key))
    }

    /// SHA3-256(".onion checksum" || pubkey || version), first two bytes.
    static func checksum(for publicKey: [UInt8]) -> [UInt8] {
        var hasher = SHA3_256()
        hasher.update(data: Array(".onion checksum".utf8))
        hasher.update(data: publicKey)
        hasher.update(data: [version])
        return Array(hasher.finalize().prefix(2))
    }
}
