import CLibGit2
import Foundation
import OnionOpsCore

#if canImport(Glibc)
    import Glibc
#endif

/// A bare clone of a remote in a cache folder, read through libgit2 from
/// the object database: no work tree, no checkout.
///
/// The libgit2 handle is not Sendable and neither is this class: an
/// instance lives within one task (sync, resolve, read, drop) and only
/// values (GitCommit, bytes) leave it. libgit2 keeps its last error per
/// thread, so every message is read right after the call that failed.
public final class GitRepository {
    private let handle: OpaquePointer
    /// The remote, as given (messages show it with any password hidden).
    public let url: String
    /// The bare clone.
    public let path: String
    private let remote: GitRemoteURL
    /// The URL for messages, with any password hidden.
    var displayURL: String { remote.display }
    private let ssh: GitSSHOptions

    /// Bounds on what one read of a tree may return: manifests and sealed
    /// keys are small, and a runaway repository must not fill memory.
    public static let maxTreeBytes = 256 << 20
    public static let maxTreeEntries = 100_000
    /// Folders nested deeper than this are refused (the walk recurses).
    public static let maxTreeDepth = 64

    private static let initialized: Bool = {
        git_libgit2_init()
        return true
    }()

    private init(handle: OpaquePointer, remote: GitRemoteURL, path: String, ssh: GitSSHOptions) {
        self.handle = handle
        self.url = remote.url
        self.remote = remote
        self.path = path
        self.ssh = ssh
    }

    deinit {
        git_repository_free(handle)
    }

    /// Clones `url` bare into `cacheDirectory/<SHA-256 prefix of url>` the
    /// first time; afterwards opens that clone and fetches origin.
    ///
    /// `http://` and `git://` are refused unless `allowUnauthenticated`
    /// (a caller that checks commit signatures itself): over them anyone
    /// on the network path decides what the branch holds.
    public static func sync(
        url: String, cacheDirectory: String, ssh: GitSSHOptions = GitSSHOptions(),
        allowUnauthenticated: Bool = false
    ) throws(GitError) -> GitRepository {
        _ = initialized
        let remote = try GitRemoteURL(url)
        if remote.isUnauthenticated, !allowUnauthenticated {
            throw GitError(
                code: .unsupported,
                message: "\(remote.display) is fetched without any authentication (\(remote.scheme ?? "")://): "
                    + "anyone on the network path could serve other commits; use https:// or ssh://, "
                    + "or require signed commits (--require-signed)")
        }
        if case .local(let source) = remote.kind {
            // libgit2 reports a missing local path as "unsupported URL protocol".
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue
            else { throw GitError(code: .noSuchRepository, message: "no repository at \(remote.display)") }
        }
        do {
            try FileManager.default.createDirectory(
                atPath: cacheDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw GitError(code: .io, message: "cannot create the cache folder \(cacheDirectory): \(error)")
        }
        let path = clonePath(url: url, cacheDirectory: cacheDirectory)
        if FileManager.default.fileExists(atPath: path) {
            if let opened = openBare(path) {
                let repository = GitRepository(handle: opened, remote: remote, path: path, ssh: ssh)
                try repository.fetch()
                return repository
            }
            // An unreadable clone (a crash, a disk error) is made again.
            try? FileManager.default.removeItem(atPath: path)
        }
        try clone(remote, into: path, ssh: ssh)
        guard let opened = openBare(path) else {
            throw GitError(code: .io, message: "cannot open the clone \(path): \(lastError())")
        }
        return GitRepository(handle: opened, remote: remote, path: path, ssh: ssh)
    }

    /// Whether `url` is `http://` or `git://`, which `sync` refuses unless
    /// told the commits are checked otherwise.
    public static func isUnauthenticated(url: String) -> Bool {
        (try? GitRemoteURL(url))?.isUnauthenticated ?? false
    }

    /// The clone `sync` keeps for `url` under `cacheDirectory`.
    static func clonePath(url: String, cacheDirectory: String) -> String {
        cacheDirectory + "/" + String(FileDrift.sha256Hex(Array(url.utf8)).prefix(24))
    }

    /// The clone `sync` made for `url`, as last fetched (no fetch): to read
    /// a commit a previous `sync` resolved.
    public static func openCached(
        url: String, cacheDirectory: String, ssh: GitSSHOptions = GitSSHOptions()
    ) throws(GitError) -> GitRepository {
        _ = initialized
        let remote = try GitRemoteURL(url)
        let path = clonePath(url: url, cacheDirectory: cacheDirectory)
        guard let opened = openBare(path) else {
            throw GitError(code: .io, message: "cannot open the clone \(path): \(lastError())")
        }
        return GitRepository(handle: opened, remote: remote, path: path, ssh: ssh)
    }

    private static func openBare(_ path: String) -> OpaquePointer? {
        var handle: OpaquePointer?
        guard git_repository_open_bare(&handle, path) == 0 else { return nil }
        return handle
    }

    /// Clones into a temporary sibling and renames it into place, so the
    /// cache holds a whole clone or none.
    private static func clone(_ remote: GitRemoteURL, into path: String, ssh: GitSSHOptions) throws(GitError) {
        let temporary = path + ".partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let session = GitRemoteSession(remote: remote, options: ssh)
        var options = git_clone_options()
        git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION))
        options.bare = 1
        session.install(into: &options.fetch_opts.callbacks)
        var cloned: OpaquePointer?
        let result = git_clone(&cloned, remote.url, temporary, &options)
        let message = lastError()
        withExtendedLifetime(session) {}
        guard result == 0, let cloned else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw session.failure
                ?? GitError(code: .clone, message: "cannot clone \(remote.display): \(explained(message, remote))")
        }
        git_repository_free(cloned)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            // Another process cloned the same URL first: use its clone.
            if let other = openBare(path) {
                git_repository_free(other)
                return
            }
            throw GitError(code: .io, message: "cannot move the clone into \(path): \(reason)")
        }
    }

    /// libgit2 1.5 refuses a local repository owned by another user, and
    /// with no `safe.directory` in the global config it says only "config
    /// value 'safe.directory' was not found".
    private static func explained(_ message: String, _ remote: GitRemoteURL) -> String {
        guard case .local(let source) = remote.kind,
            message.contains("safe.directory") || message.contains("not owned by current user")
        else { return message }
        return "\(source) is owned by another user, and libgit2 refuses it unless its exact path is a safe.directory "
            + "in the global git config (git config --global --add safe.directory \(source))"
    }

    /// Fetches origin (pruning deleted branches); branches move under
    /// `refs/remotes/origin/`, never under the clone's own `refs/heads/`.
    public func fetch() throws(GitError) {
        if case .local(let source) = remote.kind, !FileManager.default.fileExists(atPath: source) {
            throw GitError(code: .noSuchRepository, message: "no repository at \(remote.display) any more")
        }
        var origin: OpaquePointer?
        guard git_remote_lookup(&origin, handle, "origin") == 0, let origin else {
            throw GitError(code: .fetch, message: "no remote 'origin' in the clone \(path): \(Self.lastError())")
        }
        defer { git_remote_free(origin) }
        let session = GitRemoteSession(remote: remote, options: ssh)
        var options = git_fetch_options()
        git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
        options.prune = GIT_FETCH_PRUNE
        session.install(into: &options.callbacks)
        let result = git_remote_fetch(origin, nil, &options, nil)
        let message = Self.lastError()
        withExtendedLifetime(session) {}
        guard result == 0 else {
            if let failure = session.failure {
                throw GitError(code: failure.code == .clone ? .fetch : failure.code, message: failure.message)
            }
            throw GitError(code: .fetch, message: "cannot fetch \(remote.display): \(Self.explained(message, remote))")
        }
    }

    /// The commit at the tip of `branch` as last fetched: the
    /// remote-tracking ref, since a bare clone's `refs/heads` stay put.
    public func resolve(branch: String) throws(GitError) -> GitCommit {
        let name = "refs/remotes/origin/" + branch
        var valid: Int32 = 0
        guard !branch.isEmpty, git_reference_name_is_valid(&valid, name) == 0, valid == 1 else {
            throw GitError(code: .noSuchBranch, message: "'\(branch)' is not a valid branch name")
        }
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, handle, name)
        guard result == 0 else {
            let message = Self.lastError()
            guard result == GIT_ENOTFOUND.rawValue else {
                throw GitError(code: .io, message: "cannot read branch '\(branch)' of \(remote.display): \(message)")
            }
            let known = branches()
            throw GitError(
                code: .noSuchBranch,
                message: "no branch '\(branch)' in \(remote.display)"
                    + (known.isEmpty ? " (it has no branches)" : " (branches: \(known.joined(separator: ", ")))"))
        }
        return try commit(oid)
    }

    /// The fetched branch names, sorted.
    private func branches() -> [String] {
        var names = git_strarray()
        guard git_reference_list(&names, handle) == 0 else { return [] }
        defer { git_strarray_dispose(&names) }
        let prefix = "refs/remotes/origin/"
        return (0..<names.count).compactMap { index in
            guard let name = names.strings[index].map({ String(cString: $0) }), name.hasPrefix(prefix) else {
                return nil
            }
            let branch = String(name.dropFirst(prefix.count))
            return branch == "HEAD" ? nil : branch
        }.sorted()
    }

    private func commit(_ oid: git_oid) throws(GitError) -> GitCommit {
        var oid = oid
        var commit: OpaquePointer?
        guard git_commit_lookup(&commit, handle, &oid) == 0, let commit else {
            throw GitError(code: .io, message: "cannot read commit \(Self.hex(oid)): \(Self.lastError())")
        }
        defer { git_commit_free(commit) }
        let summary = git_commit_summary(commit).map { String(cString: $0) } ?? ""
        var author = ""
        if let signature = git_commit_author(commit) {
            let name = signature.pointee.name.map { String(cString: $0) } ?? ""
            let email = signature.pointee.email.map { String(cString: $0) } ?? ""
            author = "\(name) <\(email)>"
        }
        return GitCommit(id: Self.hex(oid), summary: summary, author: author, time: Int(git_commit_time(commit)))
    }

    /// The commit `id` (40 hex digits), to be freed by the caller.
    private func lookupCommit(_ id: String) throws(GitError) -> OpaquePointer {
        var oid = git_oid()
        guard id.utf8.count == 40, id.allSatisfy(\.isHexDigit), git_oid_fromstr(&oid, id) == 0 else {
            throw GitError(code: .noSuchPath, message: "'\(id)' is not a commit id (40 hex digits)")
        }
        var commit: OpaquePointer?
        guard git_commit_lookup(&commit, handle, &oid) == 0, let commit else {
            throw GitError(code: .noSuchPath, message: "no commit \(id) in \(remote.display): \(Self.lastError())")
        }
        return commit
    }

    /// Every file under the folder `folder` ("" or "." for the whole tree)
    /// of the commit's tree, by repository-relative path, read from the
    /// object database. Symlinks and submodules are refused; a blob is
    /// sized before it is read, so an oversized tree is refused unread.
    public func files(
        at commitID: String,
        under folder: String,
        maxBytes: Int = GitRepository.maxTreeBytes,
        maxEntries: Int = GitRepository.maxTreeEntries
    ) throws(GitError) -> [String: [UInt8]] {
        let parts = folder.split(separator: "/").filter { $0 != "." }
        guard !parts.contains("..") else {
            throw GitError(code: .noSuchPath, message: "'\(folder)' leaves the repository")
        }
        let trimmed = parts.joined(separator: "/")
        let commit = try lookupCommit(commitID)
        defer { git_commit_free(commit) }
        var root: OpaquePointer?
        guard git_commit_tree(&root, commit) == 0, let root else {
            throw GitError(code: .io, message: "cannot read the tree of \(commitID): \(Self.lastError())")
        }
        defer { git_tree_free(root) }
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0, let odb else {
            throw GitError(code: .io, message: "cannot open the object database of \(path): \(Self.lastError())")
        }
        defer { git_odb_free(odb) }

        var walk = TreeWalk(
            repository: handle, odb: odb, commit: String(commitID.prefix(12)), maxBytes: maxBytes,
            maxEntries: maxEntries)
        guard !trimmed.isEmpty else {
            try walk.read(root, prefix: "", depth: 0)
            return walk.files
        }
        var entry: OpaquePointer?
        guard git_tree_entry_bypath(&entry, root, trimmed) == 0, let entry else {
            throw GitError(
                code: .noSuchPath, message: "no folder '\(trimmed)' in \(remote.display) at \(commitID.prefix(12))")
        }
        defer { git_tree_entry_free(entry) }
        switch git_tree_entry_filemode(entry) {
        case GIT_FILEMODE_TREE:
            break
        case GIT_FILEMODE_LINK:
            throw GitError(code: .unsupported, message: "\(trimmed) is a symlink: manifests must be plain folders")
        default:
            throw GitError(
                code: .noSuchPath,
                message: "'\(trimmed)' in \(remote.display) at \(commitID.prefix(12)) is not a folder")
        }
        var subtree: OpaquePointer?
        guard git_tree_lookup(&subtree, handle, git_tree_entry_id(entry)) == 0, let subtree else {
            throw GitError(code: .io, message: "cannot read folder \(trimmed): \(Self.lastError())")
        }
        defer { git_tree_free(subtree) }
        try walk.read(subtree, prefix: trimmed + "/", depth: parts.count)
        return walk.files
    }

    /// Whether `commitID` is `ancestorID` or descends from it (`git
    /// merge-base --is-ancestor`). Throws when either is not a commit of
    /// this clone: then nothing can be said about their history.
    public func descends(_ commitID: String, from ancestorID: String) throws(GitError) -> Bool {
        let commit = try lookupCommit(commitID)
        var commitOID = git_commit_id(commit).pointee
        git_commit_free(commit)
        let ancestor = try lookupCommit(ancestorID)
        var ancestorOID = git_commit_id(ancestor).pointee
        git_commit_free(ancestor)
        if git_oid_equal(&commitOID, &ancestorOID) != 0 { return true }
        let result = git_graph_descendant_of(handle, &commitOID, &ancestorOID)
        guard result >= 0 else {
            throw GitError(
                code: .io, message: "cannot compare \(commitID) with \(ancestorID): \(Self.lastError())")
        }
        return result == 1
    }

    /// The commit's signature (an SSH or GPG armored block) and the bytes
    /// it signs; nil when the commit is unsigned.
    public func signature(of commitID: String) throws(GitError) -> (signature: String, payload: [UInt8])? {
        // Looked up first: extract_signature says GIT_ENOTFOUND for a
        // missing commit too, which must not read as "unsigned".
        let commit = try lookupCommit(commitID)
        var oid = git_commit_id(commit).pointee
        git_commit_free(commit)
        var signature = git_buf()
        var payload = git_buf()
        defer {
            git_buf_dispose(&signature)
            git_buf_dispose(&payload)
        }
        let result = git_commit_extract_signature(&signature, &payload, handle, &oid, nil)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        guard result == 0 else {
            throw GitError(code: .io, message: "cannot read the signature of \(commitID): \(Self.lastError())")
        }
        let text = String(decoding: Self.bytes(signature), as: UTF8.self)
        return (text, Self.bytes(payload))
    }

    private static func bytes(_ buffer: git_buf) -> [UInt8] {
        guard let pointer = buffer.ptr else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: buffer.size))
    }

    /// libgit2's message for the last failure on this thread.
    static func lastError() -> String {
        guard let error = git_error_last(), let message = error.pointee.message else { return "unknown error" }
        return String(cString: message)
    }

    static func hex(_ oid: git_oid) -> String {
        var oid = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, buffer.count, &oid)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
