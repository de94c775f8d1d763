/// Checks an onion service folder's key files as tor will read them. tor's
/// `--verify-config` does not load service keys, and a running tor exits on
/// a LOADCONF whose key it cannot parse (seen with tor 0.4.9), so this runs
/// before either.
public enum TorKeyFilesCheck {
    static let secretHeader = Array("== ed25519v1-secret: type0 ==".utf8) + [0, 0, 0]
    static let publicHeader = Array("== ed25519v1-public: type0 ==".utf8) + [0, 0, 0]

    /// nil when the files are whole and agree with `expected` (the
    /// address the folder must publish); else what is wrong.
    public static func problem(secret: [UInt8]?, public publicKey: [UInt8]?, hostname: [UInt8]?, expected: String)
        -> String?
    {
        guard let secret else { return "hs_ed25519_secret_key is missing" }
        guard secret.count == 96, Array(secret.prefix(32)) == secretHeader else {
            return "hs_ed25519_secret_key is not a tor ed25519 secret key (\(secret.count) bytes)"
        }
        guard let publicKey else { return "hs_ed25519_public_key is missing" }
        guard publicKey.count == 64, Array(publicKey.prefix(32)) == publicHeader else {
            return "hs_ed25519_public_key is not a tor ed25519 public key (\(publicKey.count) bytes)"
        }
        let address = OnionAddress(publicKey: Array(publicKey.suffix(32))).description
        guard address == expected else { return "the public key is \(address), expected \(expected)" }
        let name = hostname.map { String(decoding: $0, as: UTF8.self).split(separator: "\n").first.map(String.init) }
        guard name == .some(expected) else { return "hostname does not hold \(expected)" }
        return nil
    }
}
