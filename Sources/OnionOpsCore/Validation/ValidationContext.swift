/// What validation should know beyond the decoded objects.
public struct ValidationContext: Sendable {
    /// Objects whose kind and name were read but whose spec did not decode
    /// (already reported). References to them are not dangling.
    public var undecodedNames: [ObjectKind: Set<String>]

    public init(undecodedNames: [ObjectKind: Set<String>] = [:]) {
        self.undecodedNames = undecodedNames
    }
}
