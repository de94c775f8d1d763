import Crypto
public import OnionOpsCore

/// A v3 onion service identity: tor's expanded Ed25519 secret key, its
/// public key and its address, and tor's three files for it.
///
/// Made from a random or derived 32-byte seed (`generate()`,
/// `init(seed:)`), or imported from tor's `hs_ed25519_secret_key`
/// (`init(torSecretKeyFile:)`), which holds only the expanded key: the
/// seed is gone by then, so the public key is recomputed from the scalar
/// (see `EdwardsPoint`). Printing a key shows only its address.
public struct OnionKey: Sendable {
    /// SHA-512(seed) with the first half clamped: tor's 64-byte secret.
    public let expandedSecretKey: [UInt8]
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    public var address: OnionAddress { OnionAddress(publicKey: publicKey) }

    /// A new identity from the system's secure random generator.
    public static func generate() -> OnionKey {
        let signing = Curve25519.Signing.PrivateKey()
        return OnionKey(
            expandedSecretKey: expand(seed: Array(signing.rawRepresentation)),
            publicKey: Array(signing.publicKey.rawRepresentation)
        )
    }

    /// The identity for a 32-byte Ed25519 seed (RFC 8032 private key).
    public init(seed: [UInt8]) throws(KeyError) {
        guard seed.count == 32,
            let signing = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else {
            throw KeyError(code: .badSeed, message: "an Ed25519 seed is 32 bytes, not \(seed.count)")
        }
        self.init(expandedSecretKey: Self.expand(seed: seed), publicKey: Array(signing.publicKey.rawRepresentation))
    }

    /// The identity for tor's 64-byte expanded secret key. The scalar must
    /// be clamped, as every real key is; anything else is corruption.
    public init(expandedSecretKey: [UInt8]) throws(KeyError) {
        guard expandedSecretKey.count == 64 else {
            throw KeyError(
                code: .wrongLength,
                message: "an expanded Ed25519 secret key is 64 bytes, not \(expandedSecretKey.count)"
            )
        }
        let scalar = Array(expandedSecretKey[0..<32])
        guard scalar[0] & 7 == 0, scalar[31] & 0xC0 == 0x40 else {
            throw KeyError(code: .notClamped, message: "the secret scalar is not clamped: not a valid Ed25519 key")
        }
        self.init(expandedSecretKey: expandedSecretKey, publicKey: EdwardsPoint.multiplyBase(by: scalar).encoded)
    }

    /// Imports tor's `hs_ed25519_secret_key`: exactly 96 bytes with tor's
    /// header, or `KeyError` (tor would silently replace a bad file with a
    /// new key and address).
    public init(torSecretKeyFile bytes: [UInt8]) throws(KeyError) {
        try self.init(expandedSecretKey: TorKeyFormat.expandedKey(fromSecretKeyFile: bytes))
    }

    private init(expandedSecretKey: [UInt8], publicKey: [UInt8]) {
        self.expandedSecretKey = expandedSecretKey
        self.publicKey = publicKey
    }

    /// SHA-512 of the seed, first half clamped as RFC 8032 does.
    static func expand(seed: [UInt8]) -> [UInt8] {
        var expanded = Array(SHA512.hash(data: seed))
        expanded[0] &= 248
        expanded[31] &= 127
        expanded[31] |= 64
        return expanded
    }

    /// `hs_ed25519_secret_key`: header and expanded key, 96 bytes.
    public var torSecretKeyFile: [UInt8] { TorKeyFormat.secretHeader + expandedSecretKey }

    /// `hs_ed25519_public_key`: header and public key, 64 bytes.
    public var torPublicKeyFile: [UInt8] { TorKeyFormat.publicHeader + publicKey }

    /// `hostname`: the address and a newline, as tor writes it.
    public var hostnameFile: [UInt8] { Array("\(address)\n".utf8) }

    /// tor's three files for a HiddenServiceDir, by file name.
    public var torFiles: [String: [UInt8]] {
        [
            TorKeyFormat.secretKeyFileName: torSecretKeyFile,
            TorKeyFormat.publicKeyFileName: torPublicKeyFile,
            TorKeyFormat.hostnameFileName: hostnameFile,
        ]
    }

    /// Throws `publicKeyMismatch` unless `bytes` is tor's public key file
    /// for this key (tor refuses to start on a mismatched pair).
    public func verify(torPublicKeyFile bytes: [UInt8]) throws(KeyError) {
        let other = try TorKeyFormat.publicKey(fromPublicKeyFile: bytes)
        guard other == publicKey else {
            throw KeyError(
                code: .publicKeyMismatch,
                message: "public key file is for \(OnionAddress(publicKey: other)), not \(address)"
            )
        }
    }

    /// Throws `publicKeyMismatch` unless this key's address is `expected`,
    /// e.g. the address a sealed key's file name promises.
    public func verify(address expected: OnionAddress) throws(KeyError) {
        guard expected == address else {
            throw KeyError(code: .publicKeyMismatch, message: "key is for \(address), not \(expected)")
        }
    }
}

extension OnionKey: Equatable {
    /// Compares the secret without an early exit, so timing does not tell
    /// how much of it matched.
    public static func == (lhs: OnionKey, rhs: OnionKey) -> Bool {
        guard lhs.expandedSecretKey.count == rhs.expandedSecretKey.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs.expandedSecretKey, rhs.expandedSecretKey) {
            difference |= a ^ b
        }
        return difference == 0 && lhs.publicKey == rhs.publicKey
    }
}

// Secret bytes must not end up in logs by accident: every textual form
// (print, interpolation, dump, the debugger) shows the address only.
extension OnionKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "OnionKey(\(address))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["address": address.description]) }
}
