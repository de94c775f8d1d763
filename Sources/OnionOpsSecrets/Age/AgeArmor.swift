import Foundation

/// The ASCII armor of age files (`age -a`): strict PEM with the label
/// `AGE ENCRYPTED FILE`, padded base64 in 64-column lines. Only
/// whitespace may surround the block and only canonical base64 is taken,
/// so an armored file has one spelling.
enum AgeArmor {
    static let begin = "-----BEGIN AGE ENCRYPTED FILE-----"
    static let end = "-----END AGE ENCRYPTED FILE-----"

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Whether `bytes` starts (after whitespace) with the armor line.
    static func isArmored(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }) else { return false }
        return bytes[first...].starts(with: Array(begin.utf8))
    }

    /// The binary age file inside an armored one.
    static func decode(_ bytes: [UInt8]) throws(SecretsError) -> [UInt8] {
        func malformed(_ why: String) -> SecretsError {
            SecretsError(code: .notSealed, message: "not a valid armored age file: \(why)")
        }
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }),
            let last = bytes.lastIndex(where: { !isWhitespace($0) })
        else { throw malformed("it is empty") }
        // LF or CRLF line ends.
        let lines = bytes[first...last].split(separator: 0x0A, omittingEmptySubsequences: false).map {
            $0.last == 0x0D ? $0.dropLast() : $0
        }
        guard lines.count >= 3, lines[0].elementsEqual(begin.utf8) else { throw malformed("no BEGIN line") }
        guard let endLine = lines.last, endLine.elementsEqual(end.utf8) else {
            throw malformed("no END line after the data")
        }
        let body = lines[1..<(lines.count - 1)]
        var text = ""
        for (index, line) in body.enumerated() {
            let isFinal = index == body.count - 1
            guard isFinal ? (line.count >= 1 && line.count <= 64) : line.count == 64 else {
                throw malformed("line \(index + 2) is not 64 columns")
            }
            text += String(decoding: line, as: UTF8.self)
        }
        guard let data = Data(base64Encoded: text), data.base64EncodedString() == text else {
            throw malformed("the data is not canonical base64")
        }
        return [UInt8](data)
    }
}
