import OnionOpsCore
import Yams

/// Reads scalars by the field's expected type, not by YAML's guess: a
/// string field takes any scalar's text, booleans are `true`/`false` only.
enum ScalarReader {
    static func string(_ node: Node, path: String, context: DecodeContext) -> String? {
        guard case .scalar(let scalar) = node, !node.isNull else {
            context.error(
                .typeMismatch,
                "\(MappingReader.describe(path)) must be a string, found \(node.kindDescription)",
                at: node
            )
            return nil
        }
        return scalar.string
    }

    static func int(_ node: Node, path: String, context: DecodeContext) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string) else {
            context.error(
                .typeMismatch,
                "\(MappingReader.describe(path)) must be an integer, found \(node.kindDescription)",
                at: node
            )
            return nil
        }
        return value
    }

    static func bool(_ node: Node, path: String, context: DecodeContext) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            switch scalar.string {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        context.error(
            .typeMismatch,
            "\(MappingReader.describe(path)) must be true or false, found \(node.kindDescription)",
            at: node
        )
        return nil
    }

    static func choice<T: RawRepresentable & CaseIterable>(
        _ node: Node,
        as type: T.Type,
        path: String,
        context: DecodeContext
    ) -> T? where T.RawValue == String {
        guard let text = string(node, path: path, context: context) else { return nil }
        if let value = T(rawValue: text) { return value }
        let options = T.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        context.error(
            .invalidValue,
            "\(MappingReader.describe(path)) is \(SourceEcho.word(text)); expected one of \(options)",
            at: node
        )
        return nil
    }
}
