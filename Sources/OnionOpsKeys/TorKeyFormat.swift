/// tor's on-disk formats for v3 onion keys (see RUNTIME-FACTS, "v3 key
/// files"): a 32-byte header (29 ASCII bytes and 3 NUL) then the key.
public enum TorKeyFormat {
    public static let secretKeyFileName = "hs_ed25519_secret_key"
    public static let publicKeyFileName = "hs_ed25519_public_key"
    public static let hostnameFileName = "hostname"

    public static let secretHeader: [UInt8] = header("== ed25519v1-secret: type0 ==")
    public static let publicHeader: [UInt8] = header("== ed25519v1-public: type0 ==")

    /// 32 + 64: header and expanded secret key.
    public static let secretKeyFileLength = 96
    /// 32 + 32: header and public key.
    public static let publicKeyFileLength = 64

    private static func header(_ tag: String) -> [UInt8] {
        Array(tag.utf8) + [0, 0, 0]
    }

    /// The 64-byte expanded key inside a secret key file. Exact length and
    /// header, nothing else accepted: tor silently replaces a key file it
    /// cannot read with a new key, and with it the onion address.
    public static func expandedKey(fromSecretKeyFile bytes: [UInt8]) throws(KeyError) -> [UInt8] {
        try body(of: bytes, header: secretHeader, length: secretKeyFileLength, what: "secret key file")
    }

    /// The 32-byte public key inside a public key file, checked the same way.
    public static func publicKey(fromPublicKeyFile bytes: [UInt8]) throws(KeyError) -> [UInt8] {
        try body(of: bytes, header: publicHeader, length: publicKeyFileLength, what: "public key file")
    }

    private static func body(
        of bytes: [UInt8],
        header: [UInt8],
        length: Int,
        what: String
    ) throws(KeyError) -> [UInt8] {
        // Header first: a file of the wrong kind is a clearer message than
        // a length complaint about it.
        guard bytes.count >= header.count, Array(bytes[0..<header.count]) == header else {
            throw KeyError(code: .badHeader, message: "not a tor v3 \(what): the header is not tor's")
        }
        guard bytes.count == length else {
            throw KeyError(
                code: .wrongLength,
                message: "tor v3 \(what) is \(bytes.count) bytes, not \(length) (truncated or corrupt)"
            )
        }
        return Array(bytes[header.count...])
    }
}
