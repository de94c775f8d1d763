public import OnionOpsCore

/// What intake made of a manifest source.
public struct LoadResult: Sendable {
    /// The objects that decoded; validated only if `diagnostics` has no
    /// errors.
    public var topology: Topology
    /// Guard, decoding and semantic problems, sorted by file and line.
    public var diagnostics: [Diagnostic]
    /// Every file read, in order.
    public var files: [String]

    public init(topology: Topology, diagnostics: [Diagnostic], files: [String]) {
        self.topology = topology
        self.diagnostics = diagnostics
        self.files = files
    }

    public var isValid: Bool { !diagnostics.hasErrors }
}
