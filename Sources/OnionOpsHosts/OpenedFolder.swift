#if canImport(Glibc)
    import Glibc
#endif

/// A folder held by descriptor, reached from the host's root one component
/// at a time with `O_NOFOLLOW | O_DIRECTORY`: whatever happens to the path
/// afterwards (a daemon user renaming it, swapping in a symlink), every
/// `*at` call made through it acts on the folder that was verified.
final class OpenedFolder {
    let fd: Int32
    /// The folder's path, for messages only.
    let path: String
    let ownerID: uid_t
    let mode: mode_t

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        var info = stat()
        if fstat(fd, &info) == 0 {
            ownerID = info.st_uid
            mode = info.st_mode
        } else {
            // Unknown: treated as foreign (see `isTrusted`).
            ownerID = uid_t.max
            mode = 0o777
        }
    }

    deinit { close(fd) }

    /// Only we (root, on a real host) can add, rename or remove entries
    /// here: owned by us and writable by nobody else. Elsewhere (a daemon user's folder) root
    /// reads only files that the folder's owner owns, so a hard link to a
    /// root-only file planted there is never read.
    var isTrusted: Bool { ownerID == geteuid() && mode & 0o022 == 0 }

    /// Whether root may read a file of owner `uid` found in this folder.
    func mayRead(ownedBy uid: uid_t) -> Bool {
        isTrusted || uid == ownerID
    }
}
