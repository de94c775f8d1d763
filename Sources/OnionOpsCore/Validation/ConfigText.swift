/// Character-level rules for strings that end up in tor, nginx or
/// Onionbalance configuration files.
///
/// The rules are allow-lists: each field accepts only what its format
/// needs, so nothing a manifest says can close a directive and open another.
public enum ConfigText {
    /// Characters that end, quote or start a directive, a variable or a
    /// comment in nginx or torrc syntax, or break a line.
    public static func injectionCharacter(in text: String) -> String? {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "'", "`", "\\", ";", "{", "}", "$", "#":
                return "'\(scalar)'"
            case "\n": return "a newline"
            case "\r": return "a carriage return"
            case "\0": return "a NUL byte"
            case "\t": return "a tab"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    return "control character U+\(String(scalar.value, radix: 16, uppercase: true))"
                }
            }
        }
        return nil
    }

    /// Object names: DNS-label-like, safe as a path component and short
    /// enough to keep socket paths under the limit.
    public static let maxNameLength = 32

    public static func isValidName(_ name: String) -> Bool {
        isLabel(name, maxLength: maxNameLength)
    }

    /// A DNS label: lowercase letters, digits and inner hyphens.
    public static func isLabel(_ label: some StringProtocol, maxLength: Int = 63) -> Bool {
        let bytes = Array(label.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        guard bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// A fully qualified lowercase DNS name with at least `minLabels` labels.
    public static func isDNSName(_ name: String, minLabels: Int = 2) -> Bool {
        guard name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= minLabels, labels.allSatisfy({ isLabel($0) }) else { return false }
        // No top-level domain is all digits; this keeps 256.1.1.1 from
        // passing as a name when it fails as an address.
        if labels.count > 1, let last = labels.last, last.allSatisfy(\.isASCIIDigit) { return false }
        return true
    }

    public static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit), let value = Int(part) else {
                return false
            }
            return value <= 255 && (part.count == 1 || part.first != "0")
        }
    }

    /// IPv6 in its textual form, checked loosely: hex groups and colons.
    public static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":"), text.count <= 45 else { return false }
        return text.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }
    }

    /// A host to connect to: a DNS name (one label allowed), IPv4 or IPv6.
    public static func isHostAddress(_ text: String) -> Bool {
        isIPv4(text) || isIPv6(text) || isDNSName(text, minLabels: 1)
    }

    /// `host:port` or `[v6]:port`.
    public static func isHostPort(_ text: String) -> Bool {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return false }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return false }
            port = rest.dropFirst()
            guard isIPv6(String(host)) else { return false }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return false }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            guard isHostAddress(String(host)) else { return false }
        }
        guard let number = Int(port), port.allSatisfy(\.isASCIIDigit) else { return false }
        return (1...65535).contains(number)
    }

    /// An absolute path with no `.` or `..` component and only characters
    /// that need no quoting in any config we write.
    public static func isSafeAbsolutePath(_ path: String) -> Bool {
        guard path.hasPrefix("/"), path.utf8.count <= 4096 else { return false }
        let components = path.split(separator: "/")
        guard components.allSatisfy({ $0 != "." && $0 != ".." }) else { return false }
        return path.utf8.allSatisfy { isLowerAlnum($0) || isUpper($0) || "/._-+@=,:".utf8.contains($0) }
    }

    /// A POSIX user name as Debian accepts it.
    public static func isUserName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 32 else { return false }
        guard first == UInt8(ascii: "_") || (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z")) else {
            return false
        }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// A URL path prefix for a block rule: starts with `/`, URL characters
    /// that nginx takes literally.
    public static func isURLPathPrefix(_ path: String) -> Bool {
        guard path.hasPrefix("/"), path.utf8.count <= 1024 else { return false }
        return path.utf8.allSatisfy { isLowerAlnum($0) || isUpper($0) || "/._~%-+@!*,:=&()".utf8.contains($0) }
    }

    /// An HTTP header name (RFC 9110 token, letters, digits and `-`).
    public static func isHeaderName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || isUpper($0) || $0 == UInt8(ascii: "-") }
    }

    /// A free-text value (header value, user agent): printable ASCII,
    /// spaces allowed inside.
    public static func isPrintableText(_ text: String, maxLength: Int = 256) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        guard bytes.first != UInt8(ascii: " "), bytes.last != UInt8(ascii: " ") else { return false }
        return bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// A certificate subject's country: two upper-case ASCII letters.
    public static func isCountryCode(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 2 && bytes.allSatisfy(isUpper)
    }

    /// nginx size syntax: `512`, `64k`, `256m`, `2g`.
    public static func isNginxSize(_ text: String) -> Bool {
        matchesNumberWithSuffix(text, suffixes: ["", "k", "K", "m", "M", "g", "G"])
    }

    /// nginx time syntax: `30s`, `10m`, `1h`, `7d`.
    public static func isNginxTime(_ text: String) -> Bool {
        matchesNumberWithSuffix(text, suffixes: ["", "ms", "s", "m", "h", "d", "w", "M", "y"])
    }

    /// A DNS server for nginx's `resolver`: an IPv4 address or a bracketed
    /// IPv6 address, optionally with `:port`. Names are refused: nginx
    /// would resolve them once, at start, through the system.
    public static func isResolverAddress(_ text: String) -> Bool {
        if isIPv4(text) { return true }
        if text.hasPrefix("[") {
            if text.hasSuffix("]") { return isIPv6(String(text.dropFirst().dropLast())) }
            return isHostPort(text)
        }
        guard let colon = text.lastIndex(of: ":") else { return false }
        return isIPv4(String(text[..<colon])) && isHostPort(text)
    }

    /// A MIME type without parameters: `text/html`, `application/ld+json`.
    public static func isMIMEType(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, text.utf8.count <= 127 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { isLowerAlnum($0) || ".+-_".utf8.contains($0) }
        }
    }

    /// An http(s) URL of an origin or a page, as sent in Origin or Referer:
    /// scheme, a DNS name or IPv4, optional port, optional path and query
    /// of URL characters.
    public static func isHTTPURL(_ text: String) -> Bool {
        guard text.utf8.count <= 1024 else { return false }
        let rest: Substring
        if text.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return false
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let host: Substring
        if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard isHostPort(String(authority)) else { return false }
        } else {
            host = authority
        }
        guard isDNSName(String(host), minLabels: 1) || isIPv4(String(host)) else { return false }
        return path.utf8.allSatisfy { isLowerAlnum($0) || isUpper($0) || "/._~%-+@!*,:=&?()".utf8.contains($0) }
    }

    private static func matchesNumberWithSuffix(_ text: String, suffixes: [String]) -> Bool {
        let digits = text.prefix { $0.isASCIIDigit }
        guard !digits.isEmpty, digits.count <= 12 else { return false }
        return suffixes.contains(String(text.dropFirst(digits.count)))
    }

    static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    static func isUpper(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
