public import OnionOpsCore

/// A `set` line's value as EOTK would use it.
public struct EOTKSetting: Sendable, Hashable {
    /// Lowercased, as written otherwise.
    public var name: String
    public var words: [EOTKToken]
    public var location: SourceLocation

    public init(name: String, words: [EOTKToken], location: SourceLocation) {
        self.name = name
        self.words = words
        self.location = location
    }

    /// The words joined by one space: EOTK's value.
    public var value: String { words.map(\.text).joined(separator: " ") }

    /// CSV settings: split on whitespace, then each word on commas.
    public var csvRows: [[String]] {
        words.map { $0.text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }
}
