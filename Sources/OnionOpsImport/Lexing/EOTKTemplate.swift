public import OnionOpsCore
public import OnionOpsKeys

/// `.tconf` templates, expanded as `eotk config` does before the file is
/// read: `%NEW_V3_ONION%` is a new onion key (made here, in memory, and
/// sealed later; never written in plain), any other `%NAME%` comes from the
/// environment. EOTK's v2 forms are refused.
public enum EOTKTemplate {
    public static let newOnion = "NEW_V3_ONION"
    public static let v2Forms: Set<String> = ["NEW_ONION", "NEW_HARD_ONION", "NEW_SOFT_ONION"]

    public struct Expansion: Sendable {
        public var text: String
        public var newKeys: [OnionKey]
        public var diagnostics: [Diagnostic]
        /// Lines with a placeholder that could not be filled: left out of
        /// the reading, so one refusal is one error, not a cascade.
        public var refusedLines: Set<Int>
    }

    public static func expand(
        _ text: String,
        file: String,
        environment: [String: String],
        makeKey: () -> OnionKey = { OnionKey.generate() }
    ) -> Expansion {
        var output = ""
        var keys: [OnionKey] = []
        var diagnostics: [Diagnostic] = []
        var refused: Set<Int> = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { output += "\n" }
            let scalars = Array(line.unicodeScalars)
            var position = 0
            var column = 0
            while position < scalars.count {
                let scalar = scalars[position]
                if scalar == "%", let end = placeholderEnd(scalars, from: position) {
                    let name = String(String.UnicodeScalarView(scalars[(position + 1)..<end]))
                    let at = SourceLocation(file: file, line: index + 1, column: column + 1)
                    if name == newOnion {
                        let key = makeKey()
                        keys.append(key)
                        output += key.address.description.dropLast(OnionAddress.suffix.count)
                    } else if v2Forms.contains(name) {
                        refused.insert(index + 1)
                        diagnostics.append(
                            .error(
                                .importPlaceholder,
                                "%\(name)% makes a v2 onion, which tor removed in 0.4.6; use %NEW_V3_ONION%",
                                at: at
                            )
                        )
                    } else if let value = environment[name] {
                        output += value
                    } else {
                        diagnostics.append(
                            .error(
                                .importPlaceholder,
                                "%\(name)% is not set: export \(name) before importing this template", at: at)
                        )
                    }
                    column += end - position + 1
                    position = end + 1
                    continue
                }
                output.unicodeScalars.append(scalar)
                position += 1
                column += 1
            }
        }
        return Expansion(text: output, newKeys: keys, diagnostics: diagnostics, refusedLines: refused)
    }

    /// The index of the closing `%` of a placeholder opening at `start`
    /// (`%NAME%`, NAME of letters, digits and underscores), or nil.
    private static func placeholderEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 1
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "%" { return index > start + 1 ? index : nil }
            guard
                ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "_"
            else { return nil }
            index += 1
        }
        return nil
    }
}
