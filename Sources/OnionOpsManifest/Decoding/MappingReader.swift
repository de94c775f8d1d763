import OnionOpsCore
import Yams

/// Reads the fields of one YAML mapping strictly: unknown keys, wrong
/// types and missing required keys are reported with their positions, and
/// reading goes on so one pass finds every problem.
struct MappingReader {
    let context: DecodeContext
    let node: Node
    /// Dotted path of this mapping inside its document, e.g. `spec.tor`.
    let path: String
    private var fields: [String: (key: Node, value: Node)] = [:]

    /// Nil (with a diagnostic) when `node` is not a mapping.
    init?(_ node: Node, path: String, allowed: [String], context: DecodeContext) {
        self.context = context
        self.node = node
        self.path = path
        guard case .mapping(let mapping) = node else {
            context.error(
                .typeMismatch, "\(Self.describe(path)) must be a mapping, found \(node.kindDescription)", at: node)
            return nil
        }
        context.record(path, node)
        fields = Self.flatten(mapping)
        let allowedSet = Set(allowed)
        for (name, entry) in fields.sorted(by: { ($0.value.key.mark?.line ?? 0) < ($1.value.key.mark?.line ?? 0) })
        where !allowedSet.contains(name) {
            var message = "unknown key \(SourceEcho.word(name)) in \(Self.describe(path))"
            if let suggestion = Suggestion.closest(to: name, in: allowed) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += "; expected one of: \(allowed.joined(separator: ", "))"
            }
            context.error(.unknownKey, message, at: entry.key)
        }
    }

    /// Keys in the mapping, merge keys (`<<: *defaults`) applied: keys
    /// written in the mapping win over merged ones.
    private static func flatten(_ mapping: Node.Mapping) -> [String: (key: Node, value: Node)] {
        var own: [String: (key: Node, value: Node)] = [:]
        var merged: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            if name == "<<" {
                let sources: [Node] = value.sequence.map(Array.init) ?? [value]
                for case .mapping(let source) in sources {
                    for (mergedName, entry) in flatten(source) where merged[mergedName] == nil {
                        merged[mergedName] = entry
                    }
                }
            } else {
                own[name] = (key, value)
            }
        }
        return own.merging(merged) { ownEntry, _ in ownEntry }
    }

    func has(_ key: String) -> Bool { fields[key] != nil }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw node of a field, its position recorded.
    func value(_ key: String) -> Node? {
        guard let entry = fields[key] else { return nil }
        context.record(childPath(key), entry.value)
        return entry.value
    }

    /// Reports a missing required key at this mapping and marks the object
    /// unusable.
    func missing(_ key: String) {
        context.error(.missingKey, "missing required key '\(key)' in \(Self.describe(path))", at: node)
        context.markMissingRequired()
    }

    // MARK: Typed fields

    func string(_ key: String) -> String? {
        guard let node = value(key) else { return nil }
        return ScalarReader.string(node, path: childPath(key), context: context)
    }

    /// A string that may be written as `null` for "not set".
    func nullableString(_ key: String) -> String? {
        guard let node = value(key), !node.isNull else { return nil }
        return ScalarReader.string(node, path: childPath(key), context: context)
    }

    /// A required string. When `critical`, its absence makes the whole
    /// object unusable; otherwise only the enclosing item is dropped.
    func requiredString(_ key: String, critical: Bool = true) -> String? {
        guard has(key) else {
            context.error(.missingKey, "missing required key '\(key)' in \(Self.describe(path))", at: node)
            if critical { context.markMissingRequired() }
            return nil
        }
        guard let result = string(key) else {
            if critical { context.markMissingRequired() }
            return nil
        }
        return result
    }

    func int(_ key: String) -> Int? {
        guard let node = value(key) else { return nil }
        return ScalarReader.int(node, path: childPath(key), context: context)
    }

    func bool(_ key: String) -> Bool? {
        guard let node = value(key) else { return nil }
        return ScalarReader.bool(node, path: childPath(key), context: context)
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type) -> T? where T.RawValue == String {
        guard let node = value(key) else { return nil }
        return ScalarReader.choice(node, as: type, path: childPath(key), context: context)
    }

    func mapping(_ key: String, allowed: [String]) -> MappingReader? {
        guard let node = value(key) else { return nil }
        return MappingReader(node, path: childPath(key), allowed: allowed, context: context)
    }

    /// The items of a sequence field with their paths (`key[i]`).
    func sequence(_ key: String) -> [(node: Node, path: String)]? {
        guard let node = value(key) else { return nil }
        guard case .sequence(let sequence) = node else {
            context.error(
                .typeMismatch,
                "\(Self.describe(childPath(key))) must be a sequence, found \(node.kindDescription)",
                at: node
            )
            return nil
        }
        return sequence.enumerated().map { index, item in
            let itemPath = "\(childPath(key))[\(index)]"
            context.record(itemPath, item)
            return (item, itemPath)
        }
    }

    func stringList(_ key: String) -> [String]? {
        guard let items = sequence(key) else { return nil }
        return items.compactMap { ScalarReader.string($0.node, path: $0.path, context: context) }
    }

    static func describe(_ path: String) -> String {
        path.isEmpty ? "the document" : "'\(path)'"
    }
}
