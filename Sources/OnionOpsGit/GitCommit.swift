/// A commit's metadata, as values (no libgit2 handle leaves GitRepository).
public struct GitCommit: Sendable, Hashable {
    /// 40 hex digits.
    public var id: String
    /// The first paragraph of the message, on one line.
    public var summary: String
    /// `Name <email>`.
    public var author: String
    /// The committer's time, seconds since 1970 (what `git log --format=%ct` shows).
    public var time: Int

    public init(id: String, summary: String, author: String, time: Int) {
        self.id = id
        self.summary = summary
        self.author = author
        self.time = time
    }

    /// The 12-digit prefix used in messages and display paths.
    public var shortID: String { String(id.prefix(12)) }
}
