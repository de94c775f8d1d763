/// One managed path that a plan changes.
public struct FileChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case create
        case update
        /// Same content, mode or owner differ.
        case metadata
        case delete
    }

    public var kind: Kind
    public var path: String
    /// The new file; nil for a deletion.
    public var file: ManagedFile?
    /// The previous content's SHA-256, when the host had the file.
    public var oldSHA256: String?
    /// Key material: plans show hashes, never content.
    public var isSecret: Bool
    /// The daemon that reads it (from the new file or the inventory).
    public var instance: DaemonInstance?

    public init(
        kind: Kind, path: String, file: ManagedFile?, oldSHA256: String?, isSecret: Bool, instance: DaemonInstance?
    ) {
        self.kind = kind
        self.path = path
        self.file = file
        self.oldSHA256 = oldSHA256
        self.isSecret = isSecret
        self.instance = instance
    }
}
