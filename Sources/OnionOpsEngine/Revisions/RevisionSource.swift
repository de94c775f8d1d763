public import OnionOpsCore

/// Where revisions come from: a git branch, or a folder.
public protocol RevisionSource: Sendable {
    /// Shown in logs.
    var description: String { get }
    /// The newest revision, its files read once (fetching first, for git).
    func latest() async throws(RevisionError) -> RevisionSnapshot
    /// Refuses `revision` when it would take one of `hosts` back to an
    /// older line of history than the one it runs (a force-push to an old
    /// commit). Returns what to log when an override let it through.
    func checkLineage(_ revision: Revision, hosts: [Host]) async throws(RevisionError) -> [String]
}

extension RevisionSource {
    /// A folder has no history to check.
    public func checkLineage(_ revision: Revision, hosts: [Host]) async throws(RevisionError) -> [String] { [] }
}

/// Why no revision could be had, or why one was refused.
public struct RevisionError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The repository or folder could not be read.
        case unavailable
        /// `--require-signed`: no signature.
        case unsigned
        /// `--require-signed`: a signature by no allowed signer.
        case untrusted
        /// The head does not descend from what a host last applied (and
        /// `--allow-non-descendant` was not given).
        case notDescendant = "not-descendant"
    }

    public var code: Code
    public var message: String
    /// The commit refused, when there is one.
    public var revision: String?

    public init(code: Code, message: String, revision: String? = nil) {
        self.code = code
        self.message = message
        self.revision = revision
    }

    public var description: String { message }
}
