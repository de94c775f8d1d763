/// Bounds the guard enforces on each manifest file before Yams sees it.
///
/// The defaults admit a 10,000-site project in one file with room to spare
/// and reject hostile documents in well under a millisecond of parsing.
///
/// `maxDocuments` (10,000 by default) bounds the `---` documents of one
/// file: each document, even an empty `{}`, costs a tree and a decoding
/// pass and can yield several errors, so 1.4 MB of `---\n{}\n` took 5.5 s
/// and printed 800,000 errors. A real manifest file holds a handful.
public struct YAMLLimits: Sendable, Hashable {
    public var maxBytes: Int
    public var maxDepth: Int
    public var maxEvents: Int
    public var maxAliases: Int
    /// Nodes the document would have with every alias expanded.
    public var maxExpandedNodes: Int
    /// YAML documents (`---` sections) in one file.
    public var maxDocuments: Int

    public init(
        maxBytes: Int = 16 << 20,
        maxDepth: Int = 64,
        maxEvents: Int = 2_000_000,
        maxAliases: Int = 10_000,
        maxExpandedNodes: Int = 1_000_000,
        maxDocuments: Int = 10_000
    ) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxEvents = maxEvents
        self.maxAliases = maxAliases
        self.maxExpandedNodes = maxExpandedNodes
        self.maxDocuments = maxDocuments
    }

    public static let `default` = YAMLLimits()
}
