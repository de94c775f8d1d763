/// One revision of the manifests, on disk and ready to load.
public struct Revision: Sendable, Hashable {
    /// A commit id, or a content hash for a plain folder.
    public var id: String
    /// The manifest folder (with its `keys/`).
    public var folder: String
    /// One line for logs: the commit's summary, or the folder.
    public var summary: String
    /// The principal whose SSH signature was verified, when required.
    public var signedBy: String?

    public init(id: String, folder: String, summary: String, signedBy: String? = nil) {
        self.id = id
        self.folder = folder
        self.summary = summary
        self.signedBy = signedBy
    }

    public var shortID: String { String(id.prefix(12)) }
}
