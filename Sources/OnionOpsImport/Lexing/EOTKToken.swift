public import OnionOpsCore

/// One whitespace-separated word of an EOTK project file, where it starts.
public struct EOTKToken: Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var location: SourceLocation

    public init(_ text: String, at location: SourceLocation) {
        self.text = text
        self.location = location
    }

    public var description: String { text }
}

/// One logical line: physical lines joined at their continuation
/// backslashes, split into words. Its location is its first word's.
public struct EOTKLine: Sendable, Hashable {
    public var tokens: [EOTKToken]

    public init(tokens: [EOTKToken]) {
        self.tokens = tokens
    }

    public var location: SourceLocation? { tokens.first?.location }
}
