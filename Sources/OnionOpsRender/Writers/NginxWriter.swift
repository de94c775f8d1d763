/// Builds an nginx configuration with consistent indentation.
///
/// Arguments that carry manifest strings go through `quoted`, which
/// escapes what nginx's tokenizer treats specially, on top of validation's
/// allow-lists.
struct NginxWriter {
    private(set) var lines: [String]
    private var depth = 0

    init(header: [String]) {
        lines = header
    }

    mutating func directive(_ name: String, _ arguments: String...) {
        let joined = ([name] + arguments).joined(separator: " ")
        lines.append(indent + joined + ";")
    }

    mutating func block(_ name: String, _ arguments: String..., body: (inout NginxWriter) -> Void) {
        let joined = ([name] + arguments).joined(separator: " ")
        lines.append(indent + joined + " {")
        depth += 1
        body(&self)
        depth -= 1
        lines.append(indent + "}")
    }

    /// A line inside a `map` or `types` block: `key value;`.
    mutating func entry(_ key: String, _ value: String) {
        lines.append(indent + key + " " + value + ";")
    }

    mutating func blank() {
        if lines.last != "" { lines.append("") }
    }

    mutating func comment(_ text: String) {
        lines.append(indent + "# " + text)
    }

    var text: String { lines.joined(separator: "\n") + "\n" }

    private var indent: String { String(repeating: "    ", count: depth) }

    /// A double-quoted nginx string. `$` is escaped too only where it is
    /// data; call sites that want variable interpolation build their own.
    static func quoted(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        out.unicodeScalars.append("\"")
        return out
    }

    /// A literal as a PCRE pattern fragment: every metacharacter escaped.
    static func regexLiteral(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count * 2)
        for scalar in value.unicodeScalars {
            if metacharacters.contains(scalar) { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    private static let metacharacters: Set<Unicode.Scalar> = Set("\\^$.|?*+()[]{}/-".unicodeScalars)
}
