/// What a host has at one path.
public struct FileStatus: Sendable, Hashable {
    public var isDirectory: Bool
    public var size: Int
    public var mode: UInt16
    public var owner: String
    /// Lowercase hex SHA-256 of the content; nil for folders, links and
    /// files root may not read (see `POSIXFiles`).
    public var sha256: String?
    /// A symbolic link where a managed path should be: never followed or
    /// read, reported as drift and replaced.
    public var isSymbolicLink: Bool

    public init(
        isDirectory: Bool, size: Int, mode: UInt16, owner: String, sha256: String?, isSymbolicLink: Bool = false
    ) {
        self.isDirectory = isDirectory
        self.size = size
        self.mode = mode
        self.owner = owner
        self.sha256 = sha256
        self.isSymbolicLink = isSymbolicLink
    }
}
