/// An ordered YAML mapping with a comment per key: what `import` writes,
/// built up one setting at a time, then rendered in block style.
public struct ManifestTree: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: ManifestValue
        /// Where the value came from, e.g. `set tor_single_onion 1 (x.conf:4)`.
        public var comment: String?
    }

    public var entries: [Entry] = []

    public init() {}

    public subscript(key: String) -> ManifestValue? {
        entries.first { $0.key == key }?.value
    }

    /// Sets the value at a dotted path (`nginx.cache.validFor`), making the
    /// maps on the way; a later set replaces an earlier one in place.
    public mutating func set(_ path: String, _ value: ManifestValue, comment: String? = nil) {
        set(path.split(separator: ".").map(String.init)[...], value, comment: comment)
    }

    private mutating func set(_ path: ArraySlice<String>, _ value: ManifestValue, comment: String?) {
        guard let key = path.first else { return }
        let index: Int
        if let existing = entries.firstIndex(where: { $0.key == key }) {
            index = existing
        } else {
            entries.append(Entry(key: key, value: .map(ManifestTree()), comment: nil))
            index = entries.count - 1
        }
        if path.count == 1 {
            entries[index].value = value
            entries[index].comment = comment
            return
        }
        var child: ManifestTree
        if case .map(let tree) = entries[index].value { child = tree } else { child = ManifestTree() }
        child.set(path.dropFirst(), value, comment: comment)
        entries[index].value = .map(child)
    }

    /// Appends to the list at a dotted path, making it if needed.
    public mutating func append(_ path: String, _ items: [ManifestValue], comment: String? = nil) {
        var current: [ManifestValue] = []
        if case .list(let existing)? = value(at: path) { current = existing }
        set(path, .list(current + items), comment: comment)
    }

    public func value(at path: String) -> ManifestValue? {
        var tree = self
        let parts = path.split(separator: ".").map(String.init)
        for (offset, part) in parts.enumerated() {
            guard let value = tree[part] else { return nil }
            if offset == parts.count - 1 { return value }
            guard case .map(let child) = value else { return nil }
            tree = child
        }
        return nil
    }

    /// Block style: maps nest by two spaces, scalar lists and short maps
    /// are written in flow style, lists of maps one `- {...}` per line.
    public func lines(indent: Int = 0) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        for entry in entries {
            let key = YAMLScalar.quoted(entry.key)
            let note = entry.comment.map { "   # \(YAMLScalar.commentSafe($0))" } ?? ""
            switch entry.value {
            case .map(let child):
                lines.append("\(pad)\(key):\(note)")
                lines += child.lines(indent: indent + 2)
            case .list(let items) where items.contains(where: { if case .map = $0 { true } else { false } }):
                lines.append("\(pad)\(key):\(note)")
                lines += items.map { "\(pad)  - \($0.flow)" }
            default:
                lines.append("\(pad)\(key): \(entry.value.flow)\(note)")
            }
        }
        return lines
    }
}
