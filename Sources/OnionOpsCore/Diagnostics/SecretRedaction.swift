/// Removes anything shaped like secret material from text that is about to
/// be shown: diagnostics, error messages, a tool's stderr.
///
/// A last line of defence, not the first: intake never reads a file through
/// a link and decoding never quotes a scalar's text, so a secret should not
/// reach a message at all. This catches what still slips through (a value
/// quoted by a validation rule, a line `age` echoes back) by shape:
///
/// - a PEM block whose BEGIN line names a PRIVATE KEY, up to its END line;
/// - a word containing `AGE-SECRET-KEY-` (an age identity), any case;
/// - a word of base64 or token characters at least `minimumRunLength`
///   long that mixes upper case, lower case and digits and has a stretch of
///   `minimumSegmentLength` without a `/` (random key bytes, encoded).
///   Onion addresses and hex digests are one case, and paths are cut short
///   by their slashes, so ordinary messages keep their names and paths.
public enum SecretRedaction {
    public static let placeholder = "[redacted]"
    static let minimumRunLength = 32
    static let minimumSegmentLength = 20
    static let ageMarker = Array("AGE-SECRET-KEY-".unicodeScalars)
    static let pemBegin = "-----BEGIN "
    static let pemEnd = "-----END "

    /// `text` with every secret-shaped part replaced by `placeholder`.
    public static func redact(_ text: String) -> String {
        let withoutPEM = redactPEMBlocks(text)
        var out = String.UnicodeScalarView()
        var run = String.UnicodeScalarView()
        func flush() {
            if looksSecret(run) {
                out.append(contentsOf: placeholder.unicodeScalars)
            } else {
                out.append(contentsOf: run)
            }
            run.removeAll(keepingCapacity: true)
        }
        for scalar in withoutPEM.unicodeScalars {
            if isRunScalar(scalar) {
                run.append(scalar)
            } else {
                flush()
                out.append(scalar)
            }
        }
        flush()
        return String(out)
    }

    /// Whether `redact` would change `text`.
    public static func containsSecret(_ text: String) -> Bool {
        redact(text) != text
    }

    /// A single word (no spaces) that must not be shown: what `redact`
    /// replaces, for callers that decide whether to quote a word at all.
    public static func looksSecret(_ word: some StringProtocol) -> Bool {
        looksSecret(String.UnicodeScalarView(word.unicodeScalars))
    }

    private static func looksSecret(_ run: String.UnicodeScalarView) -> Bool {
        guard !run.isEmpty else { return false }
        if containsAgeMarker(run) { return true }
        guard run.count >= minimumRunLength else { return false }
        var upper = false
        var lower = false
        var digit = false
        var segment = 0
        var longestSegment = 0
        for scalar in run {
            switch scalar {
            case "A"..."Z": upper = true
            case "a"..."z": lower = true
            case "0"..."9": digit = true
            default: break
            }
            if scalar == "/" {
                segment = 0
            } else {
                segment += 1
                longestSegment = max(longestSegment, segment)
            }
        }
        return upper && lower && digit && longestSegment >= minimumSegmentLength
    }

    private static func containsAgeMarker(_ run: String.UnicodeScalarView) -> Bool {
        let scalars = Array(run)
        guard scalars.count >= ageMarker.count else { return false }
        for start in 0...(scalars.count - ageMarker.count) {
            var matched = true
            for (offset, expected) in ageMarker.enumerated() {
                let scalar = scalars[start + offset]
                let upper = ("a"..."z").contains(scalar) ? Unicode.Scalar(scalar.value - 32) ?? scalar : scalar
                if upper != expected {
                    matched = false
                    break
                }
            }
            if matched { return true }
        }
        return false
    }

    /// Characters of base64 (both alphabets), base32, bech32 and tokens.
    private static func isRunScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "+", "/", "=", "_", "-": return true
        default: return false
        }
    }

    /// Each private-key PEM block, BEGIN line to END line (or to the end
    /// of the text when it was cut), becomes one placeholder.
    private static func redactPEMBlocks(_ text: String) -> String {
        guard text.contains(pemBegin) else { return text }
        var out = ""
        var rest = Substring(text)
        while let begin = rest.firstRange(of: pemBegin) {
            let lineEnd = rest[begin.upperBound...].firstIndex(where: \.isNewline) ?? rest.endIndex
            guard rest[begin.upperBound..<lineEnd].contains("PRIVATE KEY") else {
                out += rest[..<begin.upperBound]
                rest = rest[begin.upperBound...]
                continue
            }
            out += rest[..<begin.lowerBound]
            out += placeholder
            guard let end = rest[lineEnd...].firstRange(of: pemEnd) else {
                rest = rest[rest.endIndex...]
                break
            }
            let endLineEnd = rest[end.upperBound...].firstIndex(where: \.isNewline) ?? rest.endIndex
            rest = rest[endLineEnd...]
        }
        return out + rest
    }
}
