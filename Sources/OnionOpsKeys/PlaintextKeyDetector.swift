/// Recognizes plaintext private key material, so a validation rule can
/// refuse it anywhere in a manifest repo (keys belong there sealed only).
public enum PlaintextKeyDetector {
    /// What kind of plaintext key some bytes hold.
    public enum Kind: String, Sendable, Hashable {
        /// tor's `hs_ed25519_secret_key` (its header, at any length: a
        /// truncated key is still a leaked key).
        case torSecretKey = "tor-secret-key"
        /// A PEM private key: PKCS#8, RSA, EC, OpenSSH, encrypted PKCS#8...
        case pemPrivateKey = "pem-private-key"
    }

    /// The kind of key in `bytes`, or nil if none is recognized. Looks for
    /// tor's secret header at the start and for a PEM
    /// `-----BEGIN ... PRIVATE KEY-----` line anywhere (keys get pasted into
    /// other files). Certificates and public keys are not keys.
    public static func detect(_ bytes: [UInt8]) -> Kind? {
        let header = TorKeyFormat.secretHeader
        if bytes.count >= header.count, bytes[0..<header.count].elementsEqual(header) {
            return .torSecretKey
        }
        if containsPEMPrivateKey(bytes) { return .pemPrivateKey }
        return nil
    }

    private static let begin = Array("-----BEGIN ".utf8)
    private static let end = Array("PRIVATE KEY-----".utf8)

    private static func containsPEMPrivateKey(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while let start = find(begin, in: bytes, from: index) {
            // The label sits on the BEGIN line: look for the closing dashes
            // before the next newline.
            let labelStart = start + begin.count
            var lineEnd = labelStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            let line = Array(bytes[labelStart..<lineEnd])
            if find(end, in: line, from: 0) != nil { return true }
            index = labelStart
        }
        return false
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        for offset in start...(haystack.count - needle.count)
        where haystack[offset..<offset + needle.count].elementsEqual(needle) {
            return offset
        }
        return nil
    }
}
