/// A complete, valid manifest file with named slots, for table-driven
/// tests: replace one slot's value with a bad one and the expected
/// diagnostic position is where that slot stands.
///
/// Slots are written `{{name}}` and filled with double-quoted YAML scalars,
/// so any character (newline, NUL, quotes) can be injected through escapes.
public struct FixtureTemplate: Sendable {
    public var text: String
    public var values: [String: String]

    public init(text: String, values: [String: String]) {
        self.text = text
        self.values = values
    }

    /// The YAML text with every slot filled, `overrides` taking precedence.
    public func render(_ overrides: [String: String] = [:]) -> String {
        var output = text
        for (name, value) in values.merging(overrides, uniquingKeysWith: { _, new in new }) {
            output = output.replacingOccurrences(of: "{{\(name)}}", with: Self.quoted(value))
        }
        return output
    }

    /// Line and column (1-based) where the slot's scalar starts, in the
    /// text rendered with `overrides`.
    public func position(of slot: String, _ overrides: [String: String] = [:]) -> (line: Int, column: Int)? {
        let marker = "{{\(slot)}}"
        let others = values.merging(overrides, uniquingKeysWith: { _, new in new }).filter { $0.key != slot }
        var partial = text
        for (name, value) in others {
            partial = partial.replacingOccurrences(of: "{{\(name)}}", with: Self.quoted(value))
        }
        guard let range = partial.range(of: marker) else { return nil }
        let before = partial[..<range.lowerBound]
        let line = before.filter { $0 == "\n" }.count + 1
        let lineStart = before.lastIndex(of: "\n").map { partial.index(after: $0) } ?? partial.startIndex
        let column = partial[lineStart..<range.lowerBound].unicodeScalars.count + 1
        return (line, column)
    }

    public var slots: [String] { values.keys.sorted() }

    /// A double-quoted YAML scalar for any string.
    public static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 {
                    out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
