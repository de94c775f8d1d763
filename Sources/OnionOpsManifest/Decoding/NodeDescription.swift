import Yams

extension Node {
    /// What a node is, for "expected X, found Y" messages: its type only,
    /// never its text (see `SourceEcho`).
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "null" }
            let text = scalar.string
            guard scalar.style == .plain else {
                return "a quoted string (\(text.unicodeScalars.count) characters)"
            }
            if Int(text) != nil { return "an integer" }
            if ["true", "false", "yes", "no", "on", "off", "True", "False", "TRUE", "FALSE"].contains(text) {
                return "a boolean"
            }
            if Double(text) != nil { return "a number" }
            return "a string (\(text.unicodeScalars.count) characters)"
        }
    }

    var isNull: Bool {
        guard case .scalar(let scalar) = self, scalar.style == .plain else { return false }
        return scalar.string.isEmpty || ["~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
