/// A value of a manifest written by `import`: the few YAML shapes the
/// manifest contract uses.
public indirect enum ManifestValue: Sendable, Hashable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case list([ManifestValue])
    case map(ManifestTree)

    /// Flow style, for list items and short maps: `{a: 1, b: [x, y]}`.
    var flow: String {
        switch self {
        case .string(let text): YAMLScalar.quoted(text)
        case .int(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .list(let items): "[" + items.map(\.flow).joined(separator: ", ") + "]"
        case .map(let tree):
            "{" + tree.entries.map { "\(YAMLScalar.quoted($0.key)): \($0.value.flow)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Strings as YAML scalars: plain when nothing could misread them, else
/// single-quoted (no escapes there but `''`, so every value survives).
enum YAMLScalar {
    static let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]

    /// A comment ends at a line break: file names and setting names from
    /// the source files are written with control characters as `?`.
    static func commentSafe(_ text: String) -> String {
        String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }

    static func quoted(_ text: String) -> String {
        if isPlainSafe(text) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first)
        else { return false }
        guard !reserved.contains(text.lowercased()) else { return false }
        return text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "."
                || $0 == "-" || $0 == "_" || $0 == "/"
        }
    }
}
