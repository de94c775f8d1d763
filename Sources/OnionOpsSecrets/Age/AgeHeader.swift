import Crypto

/// The textual header of an age v1 file: the version line, the recipient
/// stanzas, and the MAC line that authenticates them under the file key.
struct AgeHeader: Sendable {
    static let versionLine = "age-encryption.org/v1"
    static let columns = 64

    var stanzas: [AgeStanza]
    /// The header from the version line up to and including `---`: what
    /// the MAC covers.
    var authenticated: [UInt8]
    var mac: [UInt8]
    /// Where the payload starts in the parsed bytes.
    var payloadOffset: Int

    /// The MAC key: HKDF-SHA-256(file key, no salt, "header").
    static func macKey(fileKey: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: fileKey, salt: [UInt8](), info: Array("header".utf8), outputByteCount: 32)
    }

    /// A header for `stanzas`, MAC'd with `fileKey`, as bytes.
    static func encode(_ stanzas: [AgeStanza], fileKey: SymmetricKey) -> [UInt8] {
        let text = versionLine + "\n" + stanzas.map(\.encoded).joined() + "---"
        let covered = Array(text.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: covered, using: macKey(fileKey: fileKey))
        return covered + Array((" " + AgeBase64.encode(Array(mac)) + "\n").utf8)
    }

    /// Whether `mac` authenticates the header under `fileKey`, compared in
    /// constant time.
    func isAuthentic(fileKey: SymmetricKey) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: authenticated, using: Self.macKey(fileKey: fileKey))
    }

    /// Parses the header at the start of `bytes`. Strict: one spelling per
    /// header (the MAC covers the text, so leniency would only hide damage).
    /// Errors say what is wrong, never quote the input.
    static func parse(_ bytes: [UInt8]) throws(SecretsError) -> AgeHeader {
        var cursor = 0
        /// The next line without its LF; nil when no LF follows.
        func nextLine() -> ArraySlice<UInt8>? {
            guard cursor < bytes.count, let end = bytes[cursor...].firstIndex(of: 0x0A) else { return nil }
            defer { cursor = end + 1 }
            return bytes[cursor..<end]
        }
        func malformed(_ why: String) -> SecretsError {
            SecretsError(code: .notSealed, message: "not a valid age file (truncated or corrupt): \(why)")
        }

        let prefix = Array("age-encryption.org/".utf8)
        guard let version = nextLine(), version.starts(with: prefix) else {
            throw malformed("it does not start with the age version line")
        }
        guard version.elementsEqual(versionLine.utf8) else { throw malformed("it is not an age v1 file") }

        var stanzas: [AgeStanza] = []
        while true {
            let lineStart = cursor
            guard let line = nextLine() else { throw malformed("the header ends before its MAC line") }
            if line.starts(with: Array("---".utf8)) {
                guard !stanzas.isEmpty else { throw malformed("the header has no recipient stanza") }
                guard line.count == 4 + 43, line[line.startIndex + 3] == UInt8(ascii: " "),
                    let mac = AgeBase64.decode(String(decoding: line.dropFirst(4), as: UTF8.self)), mac.count == 32
                else { throw malformed("the header MAC line is malformed") }
                return AgeHeader(
                    stanzas: stanzas, authenticated: Array(bytes[..<(lineStart + 3)]), mac: mac,
                    payloadOffset: cursor)
            }
            guard line.starts(with: Array("-> ".utf8)) else { throw malformed("a header line is malformed") }
            let arguments = line.dropFirst(3).split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard !arguments.isEmpty,
                arguments.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= 0x21 && $0 <= 0x7E } })
            else { throw malformed("a recipient stanza's arguments are malformed") }
            var body = ""
            while true {
                guard let bodyLine = nextLine() else { throw malformed("a recipient stanza's body is cut short") }
                guard bodyLine.count <= columns else { throw malformed("a recipient stanza's body line is too long") }
                body += String(decoding: bodyLine, as: UTF8.self)
                if bodyLine.count < columns { break }
            }
            guard let decoded = AgeBase64.decode(body) else {
                throw malformed("a recipient stanza's body is not canonical base64")
            }
            stanzas.append(
                AgeStanza(arguments: arguments.map { String(decoding: $0, as: UTF8.self) }, body: decoded))
        }
    }
}
