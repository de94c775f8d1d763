/// Recognizes plaintext private key material, so a validation rule can
/// refuse it anywhere in a manifest repo (keys belong there sealed only).
///
/// It looks everywhere in a file, not only at its start, and also inside
/// every base64 text in it (a key pasted as base64 into a YAML comment, a
/// `.b64` file): the file is fed through a `Scanner` in chunks of any size,
/// so a whole file of any length is scanned with constant memory.
public enum PlaintextKeyDetector {
    /// What kind of plaintext key some bytes hold.
    public enum Kind: String, Sendable, Hashable {
        /// tor's `hs_ed25519_secret_key` (its header, at any length: a
        /// truncated key is still a leaked key).
        case torSecretKey = "tor-secret-key"
        /// A PEM private key: PKCS#8, RSA, EC, OpenSSH, encrypted PKCS#8,
        /// PGP...
        case pemPrivateKey = "pem-private-key"
        /// An age identity (`AGE-SECRET-KEY-1...`): the key that opens
        /// every sealed key.
        case ageIdentity = "age-identity"

        /// "a tor onion secret key", for messages.
        public var phrase: String {
            switch self {
            case .torSecretKey: return "a tor onion secret key"
            case .pemPrivateKey: return "a PEM private key"
            case .ageIdentity: return "an age identity (the secret key that opens sealed keys)"
            }
        }
    }

    /// A key found, and whether it was written out directly or as base64.
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        public var kind: Kind
        public var base64: Bool
        /// The line (from 1) on which the key's marker ends.
        public var line: Int

        public init(kind: Kind, base64: Bool, line: Int) {
            self.kind = kind
            self.base64 = base64
            self.line = line
        }

        public var description: String { base64 ? "\(kind.phrase), base64-encoded," : kind.phrase }
    }

    /// The kind of key in `bytes`, or nil if none is recognized.
    /// Certificates and public keys are not keys.
    public static func detect(_ bytes: [UInt8]) -> Kind? {
        find(bytes)?.kind
    }

    /// The first key found in `bytes`, directly or base64-encoded.
    public static func find(_ bytes: [UInt8]) -> Finding? {
        var scanner = Scanner()
        scanner.feed(bytes)
        return scanner.finding
    }

    /// Feeds a file through in chunks; `finding` is set at the first key.
    /// Chunk boundaries may fall anywhere, even inside a marker.
    public struct Scanner: Sendable {
        private var plain = MarkerMatcher()
        /// Four alignments of each base64 alphabet: a key's base64 may
        /// start at any character, after any prefix.
        private var decoders: [Base64Stream]
        public private(set) var finding: Finding?
        private var line = 1

        public init() {
            decoders =
                (0..<4).map { Base64Stream(alphabet: .standard, skip: $0) }
                + (0..<4).map { Base64Stream(alphabet: .url, skip: $0) }
        }

        public mutating func feed(_ chunk: some Sequence<UInt8>) {
            guard finding == nil else { return }
            for byte in chunk {
                if let kind = plain.push(byte) {
                    finding = Finding(kind: kind, base64: false, line: line)
                    return
                }
                if byte == UInt8(ascii: "\n") { line += 1 }
                let standard = Base64Stream.Alphabet.standard.value(of: byte)
                let url = Base64Stream.Alphabet.url.value(of: byte)
                guard standard != nil || url != nil else { continue }
                for index in decoders.indices {
                    let value = decoders[index].alphabet == .standard ? standard : url
                    guard let value else { continue }
                    if let kind = decoders[index].push(sextet: value) {
                        finding = Finding(kind: kind, base64: true, line: line)
                        return
                    }
                }
            }
        }
    }
}

/// Decodes base64 continuously (characters outside the alphabet, such as
/// line breaks, `#` and indentation, are skipped) and looks for markers in
/// what comes out.
struct Base64Stream: Sendable {
    enum Alphabet: Sendable, Hashable {
        case standard
        case url

        func value(of byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): return self == .standard ? 62 : nil
            case UInt8(ascii: "/"): return self == .standard ? 63 : nil
            case UInt8(ascii: "-"): return self == .url ? 62 : nil
            case UInt8(ascii: "_"): return self == .url ? 63 : nil
            default: return nil
            }
        }
    }

    let alphabet: Alphabet
    private var skip: Int
    private var bits: UInt32 = 0
    private var bitCount = 0
    private var matcher = MarkerMatcher()

    init(alphabet: Alphabet, skip: Int) {
        self.alphabet = alphabet
        self.skip = skip
    }

    mutating func push(sextet: UInt8) -> PlaintextKeyDetector.Kind? {
        if skip > 0 {
            skip -= 1
            return nil
        }
        bits = (bits << 6) | UInt32(sextet)
        bitCount += 6
        guard bitCount >= 8 else { return nil }
        bitCount -= 8
        let byte = UInt8(truncatingIfNeeded: bits >> UInt32(bitCount))
        bits &= (1 << UInt32(bitCount)) - 1
        return matcher.push(byte)
    }
}

/// Matches the key markers in a byte stream one byte at a time, keeping
/// only the last 32 bytes.
struct MarkerMatcher: Sendable {
    static let torHeader = Array("== ed25519v1-secret: type0 ==".utf8)
    /// Compared case-insensitively (bech32 may be written in either case).
    static let ageMarker = Array("AGE-SECRET-KEY-1".utf8)
    static let pemBegin = Array("-----BEGIN ".utf8)
    static let pemPrivate = Array("PRIVATE KEY".utf8)
    /// A BEGIN line's label is short; past this it is not a PEM line.
    static let pemLabelLimit = 100

    private var ring = [UInt8](repeating: 0, count: 32)
    private var position = 0
    /// Bytes seen on the current `-----BEGIN ` line, or nil when not on one.
    private var pemLabel: Int?

    mutating func push(_ byte: UInt8) -> PlaintextKeyDetector.Kind? {
        ring[position & 31] = byte
        position &+= 1
        if let label = pemLabel {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || label >= Self.pemLabelLimit {
                pemLabel = nil
            } else {
                pemLabel = label + 1
                if byte == UInt8(ascii: "Y"), endsWith(Self.pemPrivate) { return .pemPrivateKey }
            }
        }
        switch byte {
        case UInt8(ascii: "="):
            if endsWith(Self.torHeader) { return .torSecretKey }
        case UInt8(ascii: "1"):
            if endsWith(Self.ageMarker, ignoringCase: true) { return .ageIdentity }
        case UInt8(ascii: " "):
            if endsWith(Self.pemBegin) { pemLabel = 0 }
        default:
            break
        }
        return nil
    }

    private func endsWith(_ marker: [UInt8], ignoringCase: Bool = false) -> Bool {
        guard position >= marker.count else { return false }
        for offset in 0..<marker.count {
            var byte = ring[(position - 1 - offset) & 31]
            if ignoringCase, byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") { byte -= 32 }
            if byte != marker[marker.count - 1 - offset] { return false }
        }
        return true
    }
}
