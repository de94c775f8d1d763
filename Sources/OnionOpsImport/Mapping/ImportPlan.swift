public import OnionOpsCore
public import OnionOpsKeys

/// Everything `import` will write: manifest files, keys to seal, the report.
public struct ImportPlan: Sendable {
    public enum TLSOwnerName: Sendable, Hashable {
        case site(OnionAddress)
        case project(String)
    }

    public struct TLSPair: Sendable {
        public var owner: TLSOwnerName
        public var certificatePEM: String
        public var keyPEM: String
        /// Where it came from, for the report.
        public var source: String
    }

    /// Manifest files by path relative to the output folder.
    public var files: [(path: String, text: String)] = []
    public var onionKeys: [OnionKey] = []
    public var tlsPairs: [TLSPair] = []
    /// Softmap projects: each gets a new backend secret.
    public var softmapProjects: [String] = []
    public var report = ImportReport()

    public init() {}
}
