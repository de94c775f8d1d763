import CLibGit2

/// One bounded walk over a tree, collecting its blobs by path.
struct TreeWalk {
    let repository: OpaquePointer
    let odb: OpaquePointer
    /// For messages.
    let commit: String
    let maxBytes: Int
    let maxEntries: Int

    private(set) var files: [String: [UInt8]] = [:]
    private var bytes = 0
    private var entries = 0

    init(repository: OpaquePointer, odb: OpaquePointer, commit: String, maxBytes: Int, maxEntries: Int) {
        self.repository = repository
        self.odb = odb
        self.commit = commit
        self.maxBytes = maxBytes
        self.maxEntries = maxEntries
    }

    mutating func read(_ tree: OpaquePointer, prefix: String, depth: Int) throws(GitError) {
        guard depth <= GitRepository.maxTreeDepth else {
            throw GitError(
                code: .tooLarge, message: "\(prefix) at \(commit) is nested over \(GitRepository.maxTreeDepth) deep")
        }
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let path = prefix + String(cString: git_tree_entry_name(entry))
            entries += 1
            guard entries <= maxEntries else {
                throw GitError(
                    code: .tooLarge, message: "the tree at \(commit) has over \(maxEntries) entries (at \(path))")
            }
            switch git_tree_entry_filemode(entry) {
            case GIT_FILEMODE_TREE:
                var child: OpaquePointer?
                guard git_tree_lookup(&child, repository, git_tree_entry_id(entry)) == 0, let child else {
                    throw GitError(
                        code: .io, message: "cannot read folder \(path) at \(commit): \(GitRepository.lastError())")
                }
                defer { git_tree_free(child) }
                try read(child, prefix: path + "/", depth: depth + 1)
            case GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB_EXECUTABLE:
                files[path] = try blob(git_tree_entry_id(entry), path: path)
            case GIT_FILEMODE_LINK:
                throw GitError(
                    code: .unsupported,
                    message: "\(path) at \(commit) is a symlink: manifests and keys must be plain files")
            case GIT_FILEMODE_COMMIT:
                throw GitError(
                    code: .unsupported,
                    message: "\(path) at \(commit) is a submodule: manifests must be in the tree itself")
            default:
                throw GitError(code: .unsupported, message: "\(path) at \(commit) has an unknown file mode")
            }
        }
    }

    /// Sized from the object header first: an oversized blob is not inflated.
    private mutating func blob(_ id: UnsafePointer<git_oid>?, path: String) throws(GitError) -> [UInt8] {
        var size = 0
        var type = GIT_OBJECT_ANY
        guard git_odb_read_header(&size, &type, odb, id) == 0 else {
            throw GitError(code: .io, message: "cannot read \(path) at \(commit): \(GitRepository.lastError())")
        }
        bytes += size
        guard bytes <= maxBytes else {
            throw GitError(
                code: .tooLarge, message: "the files at \(commit) are over \(maxBytes) bytes in all (at \(path))")
        }
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, repository, id) == 0, let blob else {
            throw GitError(code: .io, message: "cannot read \(path) at \(commit): \(GitRepository.lastError())")
        }
        defer { git_blob_free(blob) }
        guard let content = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: content, count: Int(git_blob_rawsize(blob))))
    }
}
