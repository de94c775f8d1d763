import Yams

extension Node {
    /// What a node is, for "expected X, found Y" messages.
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if scalar.style == .plain {
                if scalar.string.isEmpty || ["~", "null", "Null", "NULL"].contains(scalar.string) { return "null" }
            }
            let text = scalar.string
            let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
            return "'\(shown.replacingOccurrences(of: "\n", with: "\\n"))'"
        }
    }

    var isNull: Bool {
        guard case .scalar(let scalar) = self, scalar.style == .plain else { return false }
        return scalar.string.isEmpty || ["~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
