import Crypto

/// Softmap backend identities derived from one per-project secret.
///
/// A backend's address must be known before anything is applied (so a dry
/// run is exact) and must never change between reconciles. Deriving each
/// backend's seed from one sealed 32-byte project secret gives both with a
/// single sealed file per project, and adding a host or an instance needs
/// no new key in the repo:
///
///     seed = HKDF-SHA256(ikm: secret, salt: empty, info: info, length: 32)
///     info = "onionops backend v1" || field(project) || field(host) || instance
///
/// where `field(s)` is the UTF-8 length as a 4-byte big-endian integer then
/// the bytes, and `instance` an 8-byte big-endian two's-complement integer.
/// Length prefixes keep ("ab", "c") and ("a", "bc") apart. The label's
/// version changes if the scheme ever does, which changes every backend
/// address.
public struct BackendKeyDerivation: Sendable {
    public static let label = "onionops backend v1"
    public static let secretLength = 32

    private let secret: SymmetricKey

    /// `projectSecret` must be exactly 32 bytes (use `generateProjectSecret()`).
    public init(projectSecret: [UInt8]) throws(KeyError) {
        guard projectSecret.count == Self.secretLength else {
            throw KeyError(
                code: .badSeed,
                message: "a backend project secret is \(Self.secretLength) bytes, not \(projectSecret.count)"
            )
        }
        secret = SymmetricKey(data: projectSecret)
    }

    /// 32 bytes from the system's secure random generator.
    public static func generateProjectSecret() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// The identity of tor instance `instance` of `project` on `host`.
    public func key(project: String, host: String, instance: Int) -> OnionKey {
        let info = Self.info(project: project, host: host, instance: instance)
        let seed = HKDF<SHA256>.deriveKey(inputKeyMaterial: secret, info: info, outputByteCount: 32)
            .withUnsafeBytes { Array($0) }
        do {
            return try OnionKey(seed: seed)
        } catch {
            // HKDF was asked for exactly 32 bytes, the only length init(seed:) checks.
            preconditionFailure("HKDF returned \(seed.count) bytes for a 32-byte seed")
        }
    }

    static func info(project: String, host: String, instance: Int) -> [UInt8] {
        var info = Array(label.utf8)
        for field in [project, host] {
            let bytes = Array(field.utf8)
            info += bigEndian(UInt64(bytes.count), width: 4)
            info += bytes
        }
        info += bigEndian(UInt64(bitPattern: Int64(instance)), width: 8)
        return info
    }

    private static func bigEndian(_ value: UInt64, width: Int) -> [UInt8] {
        (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
    }
}
