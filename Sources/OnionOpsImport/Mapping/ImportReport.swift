public import OnionOpsCore

/// What `import` did with every line it read, and what to do next.
public struct ImportReport: Sendable, Codable {
    public struct Entry: Sendable, Codable, Hashable {
        /// The project file the entry belongs to.
        public var file: String
        /// The line; nil for an EOTK default written out.
        public var location: SourceLocation?
        public var statement: String
        public var status: String
        public var keys: [String]
        public var reason: String?
        public var project: String?
    }

    public struct FileSummary: Sendable, Codable, Hashable {
        public var file: String
        public var mapped = 0
        public var defaulted = 0
        public var unsupported = 0
        public var ignored = 0
    }

    public var entries: [Entry] = []
    public var diagnostics: [Diagnostic] = []
    public var nextSteps: [String] = []
    /// Every sealed file written, by path in the output folder.
    public var sealed: [String] = []
    public var output: String = ""

    public init() {}

    public var hasUnsupported: Bool { entries.contains { $0.status == "unsupported" } }

    /// Counts per source file, in the order files were given.
    public var summaries: [FileSummary] {
        var order: [String] = []
        var byFile: [String: FileSummary] = [:]
        for entry in entries {
            if byFile[entry.file] == nil {
                order.append(entry.file)
                byFile[entry.file] = FileSummary(file: entry.file)
            }
            switch entry.status {
            case "mapped": byFile[entry.file]?.mapped += 1
            case "defaulted": byFile[entry.file]?.defaulted += 1
            case "unsupported": byFile[entry.file]?.unsupported += 1
            default: byFile[entry.file]?.ignored += 1
            }
        }
        return order.compactMap { byFile[$0] }
    }
}
