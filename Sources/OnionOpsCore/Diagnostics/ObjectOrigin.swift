/// Where a manifest object came from, and where each of its fields sits,
/// so that semantic validation can point at the exact line of a problem.
///
/// Field paths are dotted, with sequence indexes in brackets:
/// `spec.sites[2].onion`. A lookup that misses falls back to the nearest
/// enclosing field, then to the document itself.
public struct ObjectOrigin: Sendable, Hashable {
    public var document: SourceLocation
    private var fields: [String: SourceLocation]

    public init(document: SourceLocation, fields: [String: SourceLocation] = [:]) {
        self.document = document
        self.fields = fields
    }

    public var file: String { document.file }

    public mutating func record(_ path: String, at location: SourceLocation) {
        fields[path] = location
    }

    public func location(of path: String) -> SourceLocation {
        var candidate = Substring(path)
        while !candidate.isEmpty {
            if let found = fields[String(candidate)] { return found }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = candidate[..<cut]
        }
        return document
    }
}
