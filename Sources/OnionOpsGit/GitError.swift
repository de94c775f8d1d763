/// A git failure as a value: what kind, and a message that names the URL,
/// branch, path or file concerned, with libgit2's or ssh-keygen's own words.
public struct GitError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The first clone failed (unreachable, refused, not a repository).
        case clone = "git-clone"
        /// A fetch into an existing clone failed.
        case fetch = "git-fetch"
        /// A local path or file:// URL names nothing.
        case noSuchRepository = "git-no-such-repository"
        case noSuchBranch = "git-no-such-branch"
        /// No such folder in the commit's tree, or no such commit.
        case noSuchPath = "git-no-such-path"
        /// Symlinks, submodules, unknown URL schemes.
        case unsupported = "git-unsupported"
        /// A signature was required and the commit has none.
        case unsigned = "git-unsigned"
        /// A signature that is not SSH, or not by an allowed signer, or
        /// that does not verify.
        case untrusted = "git-untrusted-signature"
        /// The SSH host key is not in known_hosts (or is revoked there).
        case hostKey = "git-host-key"
        case tooLarge = "git-too-large"
        case io = "git-io"
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
