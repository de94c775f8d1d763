/// A folder of manifests as a revision source: its id is a hash of every
/// file in it, so a change to any manifest or key is a new revision.
public struct FolderRevisionSource: RevisionSource {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var description: String { "folder \(path)" }

    /// The folder as it is now; named by its content (see
    /// `RevisionSnapshot`). A folder that cannot be read still gives a
    /// snapshot: intake reports why.
    public func latest() async throws(RevisionError) -> RevisionSnapshot {
        await RevisionSnapshot.read(folder: path)
    }
}
