/// Text the renderer always writes inside a double-quoted nginx string
/// (escaping `"` and `\`) and only where nginx does not expand variables:
/// regexes, and literals turned into regexes. Such text may hold `;`, `{`,
/// `#` or `$`; only line breaks and control characters could still end the
/// string early or hide in a log.
extension ConfigText {
    public static func controlCharacter(in text: String) -> String? {
        for scalar in text.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F {
            switch scalar {
            case "\n": return "a newline"
            case "\r": return "a carriage return"
            case "\0": return "a NUL byte"
            case "\t": return "a tab"
            default: return "control character U+\(String(scalar.value, radix: 16, uppercase: true))"
            }
        }
        return nil
    }

    /// A regex nginx's PCRE will compile: Swift's parser takes the same
    /// Perl syntax, so what it refuses nginx -t would refuse too.
    public static func isPattern(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 512, text.unicodeScalars.allSatisfy(\.isASCII) else { return false }
        return (try? Regex(text)) != nil
    }

    /// A query parameter name nginx can read as `$arg_<name>`.
    public static func isParamName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || isUpper($0) || $0 == UInt8(ascii: "_") }
    }

    /// A fixed answer's body: printable ASCII and line breaks, no `$`
    /// (nginx's `return` expands variables in it).
    public static func isResponseBody(_ text: String, maxLength: Int) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        return bytes.allSatisfy { ($0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "$")) || $0 == 0x0A }
    }

    /// An nginx size in bytes (`8k` = 8192), or nil if it is not one.
    public static func nginxSizeBytes(_ text: String) -> Int? {
        guard isNginxSize(text) else { return nil }
        let digits = text.prefix { $0.isASCIIDigit }
        guard let value = Int(digits) else { return nil }
        switch text.dropFirst(digits.count).lowercased() {
        case "": return value
        case "k": return value << 10
        case "m": return value << 20
        case "g": return value << 30
        default: return nil
        }
    }

    /// The path of a cookie lock: a URL path that is also a cookie value.
    public static func isCookieLockPath(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.count <= 128, bytes.first == UInt8(ascii: "/") else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || isUpper($0) || "/._-".utf8.contains($0) }
    }
}

extension ValidationReport {
    /// Checks text written only inside quoted nginx regex contexts (see
    /// `ConfigText.controlCharacter`).
    public mutating func checkQuotedText(
        _ value: String,
        _ what: String,
        at location: SourceLocation,
        code: DiagnosticCode = .invalidValue,
        expected: String,
        isValid: (String) -> Bool
    ) {
        checkConfigText(
            value, what, at: location, code: code, expected: expected,
            refusing: { ConfigText.controlCharacter(in: $0) }, isValid: isValid)
    }
}
