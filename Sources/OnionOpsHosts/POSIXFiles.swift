import Foundation
import OnionOpsCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The file-system calls behind the local transport, with errno turned
/// into `HostError` values.
///
/// Below the host's root nothing is ever reached by path: each folder is
/// opened from its parent's descriptor with `O_NOFOLLOW | O_DIRECTORY`
/// (`OpenedFolder`), and every change is an `*at` call or an `f*` call on
/// a descriptor. A daemon user who owns a folder on the way (tor's
/// DataDirectory) can rename or replace its entries at any moment; none of
/// that can redirect a chmod, chown, write, read or removal made by root
/// to a file of its choosing.
struct POSIXFiles {
    let host: String
    /// The host's root prefix as given (`/`, or a sandbox folder): the one
    /// path opened the ordinary way, since the operator chose it.
    let root: String

    init(host: String, root: String) {
        self.host = host
        self.root = root.isEmpty ? "/" : root
    }

    func fail(_ what: String, _ path: String, _ code: HostError.Code = .io) -> HostError {
        HostError(host: host, code: code, message: "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    private func unsafe(_ message: String) -> HostError {
        HostError(host: host, code: .unsafePath, message: message)
    }

    /// The components of `path` below the root; `path` is root-prefixed
    /// (what `HostLayout.confined` returns).
    private func components(_ path: String) throws(HostError) -> [String] {
        let prefix = root == "/" ? "" : (root.hasSuffix("/") ? String(root.dropLast()) : root)
        guard path.hasPrefix(prefix + "/") else {
            throw HostError(host: host, code: .invalidPath, message: "\(path) is not under \(root)")
        }
        let parts = path.dropFirst(prefix.count).split(separator: "/").map(String.init)
        guard !parts.contains("..") else {
            throw HostError(host: host, code: .invalidPath, message: "\(path) climbs out with ..")
        }
        return parts
    }

    /// The folder at `path`, each component opened from the one before
    /// without following links. Missing folders are made (0755, ours) when
    /// `create`; otherwise a missing folder, or anything that is not a real
    /// folder on the way, gives nil: the path does not exist as far as
    /// root is concerned.
    func openFolder(_ path: String, create: Bool) throws(HostError) -> OpenedFolder? {
        try openFolder(components: try components(path), path: path, create: create)
    }

    private func openFolder(components: [String], path: String, create: Bool) throws(HostError) -> OpenedFolder? {
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("cannot open the host root", root, .unreachable) }
        var walked = root == "/" ? "" : root
        for component in components {
            walked += "/" + component
            var next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT, create {
                if mkdirat(fd, component, 0o755) != 0, errno != EEXIST {
                    let error = fail("cannot create folder", walked)
                    close(fd)
                    throw error
                }
                next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                let code = errno
                close(fd)
                if code == ENOENT, !create { return nil }
                if code == ELOOP || code == ENOTDIR {
                    if !create { return nil }
                    throw unsafe("\(walked) is a symlink or a file where a folder should be: not followed")
                }
                errno = code
                throw fail("cannot open folder", walked)
            }
            close(fd)
            fd = next
        }
        return OpenedFolder(fd: fd, path: walked.isEmpty ? "/" : walked)
    }

    /// The folder holding `path` and `path`'s last component.
    private func parent(of path: String, create: Bool) throws(HostError) -> (OpenedFolder, String)? {
        var parts = try components(path)
        guard let leaf = parts.popLast() else {
            throw HostError(host: host, code: .invalidPath, message: "\(path) names the host root")
        }
        guard let folder = try openFolder(components: parts, path: path, create: create) else { return nil }
        return (folder, leaf)
    }

    /// Folders opened during one batch, by path below the root: a host's
    /// stat covers thousands of files in a few dozen folders, and walking
    /// from the root for each file was most of its cost. Each folder is
    /// still opened the safe way once, and every file is then reached from
    /// that descriptor, so a folder renamed meanwhile is never swapped in.
    final class FolderCache {
        var opened: [[String]: OpenedFolder?] = [:]
    }

    private func parent(of path: String, cache: FolderCache) throws(HostError) -> (OpenedFolder, String)? {
        var parts = try components(path)
        guard let leaf = parts.popLast() else {
            throw HostError(host: host, code: .invalidPath, message: "\(path) names the host root")
        }
        if let known = cache.opened[parts] { return known.map { ($0, leaf) } }
        let folder = try openFolder(components: parts, path: path, create: false)
        cache.opened[parts] = .some(folder)
        return folder.map { ($0, leaf) }
    }

    /// `status` of many paths, each folder opened once.
    func statuses(_ paths: [String]) throws(HostError) -> [String: FileStatus] {
        let cache = FolderCache()
        var result: [String: FileStatus] = [:]
        for path in paths {
            guard let (folder, name) = try parent(of: path, cache: cache) else { continue }
            if let status = try status(name, in: folder, path: path) { result[path] = status }
        }
        return result
    }

    /// `read` of many paths, each folder opened once.
    func reads(_ paths: [String]) throws(HostError) -> [String: [UInt8]] {
        let cache = FolderCache()
        var result: [String: [UInt8]] = [:]
        for path in paths {
            guard let (folder, name) = try parent(of: path, cache: cache) else { continue }
            if let content = try readFile(name, in: folder, path: path) { result[path] = content }
        }
        return result
    }

    private func lstatAt(_ folder: OpenedFolder, _ name: String) -> stat? {
        var info = stat()
        return fstatat(folder.fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    /// Writes `content` to `path` so that readers only ever see the old or
    /// the new file: a temp file made with `O_EXCL | O_NOFOLLOW` in the
    /// verified folder, fsync, mode and owner on the descriptor, `renameat`
    /// over the old entry (a symlink there is replaced, not followed),
    /// fsync of the folder so the rename itself survives a crash.
    func atomicWrite(_ content: [UInt8], to path: String, mode: UInt16, owner: String) throws(HostError) {
        guard let (folder, name) = try parent(of: path, create: true) else {
            throw HostError(host: host, code: .io, message: "cannot create the folder of \(path)")
        }
        let ids = geteuid() == 0 ? try self.ids(of: owner) : nil
        var temp = ""
        var fd: Int32 = -1
        for _ in 0..<8 {
            temp = ".\(name).onionops-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
            fd = openat(folder.fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw fail("cannot create", "\(folder.path)/\(temp)") }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        func abandon(_ error: HostError) -> HostError {
            unlinkat(folder.fd, temp, 0)
            return error
        }
        var written = 0
        while written < content.count {
            let result = content.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(fd, base + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw abandon(fail("cannot write", "\(folder.path)/\(temp)"))
            }
            written += result
        }
        guard fsync(fd) == 0, fchmod(fd, mode_t(mode)) == 0 else {
            throw abandon(fail("cannot sync", "\(folder.path)/\(temp)"))
        }
        if let (uid, gid) = ids, fchown(fd, uid, gid) != 0 {
            throw abandon(fail("cannot chown", "\(folder.path)/\(temp)"))
        }
        close(fd)
        closed = true
        guard renameat(folder.fd, temp, folder.fd, name) == 0 else {
            throw abandon(fail("cannot rename into", path))
        }
        guard fsync(folder.fd) == 0 else { throw fail("cannot sync folder", folder.path) }
    }

    /// Creates a folder (and missing parents, 0755 ours) and sets its own
    /// mode and owner through its descriptor. A symlink where the folder
    /// should be is removed first, never followed.
    func makeDirectory(_ path: String, mode: UInt16, owner: String) throws(HostError) {
        guard let (folder, name) = try parent(of: path, create: true) else {
            throw HostError(host: host, code: .io, message: "cannot create the folder of \(path)")
        }
        if let info = lstatAt(folder, name), info.st_mode & S_IFMT == S_IFLNK {
            guard unlinkat(folder.fd, name, 0) == 0 || errno == ENOENT else {
                throw fail("cannot remove the symlink at", path)
            }
        }
        if mkdirat(folder.fd, name, 0o700) != 0, errno != EEXIST { throw fail("cannot create folder", path) }
        let fd = openat(folder.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP || errno == ENOTDIR {
                throw unsafe("\(path) is not a folder (a symlink or a file appeared): not followed")
            }
            throw fail("cannot open folder", path)
        }
        defer { close(fd) }
        guard fchmod(fd, mode_t(mode)) == 0 else { throw fail("cannot chmod", path) }
        if geteuid() == 0 {
            let (uid, gid) = try ids(of: owner)
            guard fchown(fd, uid, gid) == 0 else { throw fail("cannot chown", path) }
        }
    }

    /// Removes a file, a symlink or an empty folder; a missing path (or a
    /// path whose folder is not a real folder) is not an error.
    func remove(_ path: String) throws(HostError) {
        guard let (folder, name) = try parent(of: path, create: false), let info = lstatAt(folder, name) else {
            return
        }
        let flags: Int32 = info.st_mode & S_IFMT == S_IFDIR ? AT_REMOVEDIR : 0
        guard unlinkat(folder.fd, name, flags) == 0 || errno == ENOENT else { throw fail("cannot remove", path) }
    }

    /// rmdir that leaves a folder with content (or one already gone, or a
    /// symlink) alone.
    func removeIfEmpty(_ path: String) throws(HostError) {
        guard let (folder, name) = try parent(of: path, create: false) else { return }
        guard unlinkat(folder.fd, name, AT_REMOVEDIR) == 0 || [ENOENT, ENOTEMPTY, EEXIST, ENOTDIR].contains(errno)
        else {
            throw fail("cannot remove", path)
        }
    }

    func status(_ path: String) throws(HostError) -> FileStatus? {
        guard let (folder, name) = try parent(of: path, create: false) else { return nil }
        return try status(name, in: folder, path: path)
    }

    private func status(_ name: String, in folder: OpenedFolder, path: String) throws(HostError) -> FileStatus? {
        guard let info = lstatAt(folder, name) else { return nil }
        let type = info.st_mode & S_IFMT
        var digest: String?
        if type == S_IFREG {
            digest = try readFile(name, in: folder, path: path).map(FileDrift.sha256Hex)
        }
        return FileStatus(
            isDirectory: type == S_IFDIR,
            size: Int(info.st_size),
            mode: UInt16(info.st_mode & 0o7777),
            owner: userName(of: info.st_uid),
            sha256: digest,
            isSymbolicLink: type == S_IFLNK
        )
    }

    /// nil when the file is not there, or is not a regular file root may
    /// read: a symlink (never followed), a FIFO or device (never opened
    /// for long: `O_NONBLOCK`), or a file in a daemon user's folder that
    /// the user does not own (a hard link to a root-only file). One open
    /// decides: a file a daemon creates between a failed read and a later
    /// existence check must not turn "absent" into an error.
    func read(_ path: String) throws(HostError) -> [UInt8]? {
        guard let (folder, name) = try parent(of: path, create: false) else { return nil }
        return try readFile(name, in: folder, path: path)
    }

    private func readFile(_ name: String, in folder: OpenedFolder, path: String) throws(HostError)
        -> [UInt8]?
    {
        let fd = openat(folder.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if [ENOENT, ENOTDIR, ELOOP, ENXIO].contains(errno) { return nil }
            throw fail("cannot read", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, folder.mayRead(ownedBy: info.st_uid) else {
            return nil
        }
        // Sized from fstat (one more byte to see the end at once); a file
        // that grows meanwhile is read on in chunks.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size) + 1)
        var chunk = [UInt8](repeating: 0, count: max(1, min(1 << 16, Int(info.st_size) + 1)))
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("cannot read", path)
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// getpwnam_r/getpwuid_r: the plain forms share one static buffer,
    /// and hosts are worked on in parallel.
    /// Users found so far (only found ones: a user may be created later).
    private static let ids = Mutex<[String: IDs]>([:])

    struct IDs: Sendable {
        var uid: uid_t
        var gid: gid_t
    }

    func ids(of user: String) throws(HostError) -> (uid_t, gid_t) {
        if let known = Self.ids.withLock({ $0[user] }) { return (known.uid, known.gid) }
        let found = try lookUpIDs(of: user)
        Self.ids.withLock { $0[user] = IDs(uid: found.0, gid: found.1) }
        return found
    }

    private func lookUpIDs(of user: String) throws(HostError) -> (uid_t, gid_t) {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(user, &entry, &buffer, buffer.count, &result) == 0, result != nil else {
            throw HostError(host: host, code: .io, message: "no user '\(user)' on this host")
        }
        return (entry.pw_uid, entry.pw_gid)
    }

    /// uid -> user name, looked up once per process: each lookup reads
    /// /etc/passwd, and a host's stat covers thousands of files.
    private static let names = Mutex<[uid_t: String]>([:])

    func userName(of uid: uid_t) -> String {
        if let known = Self.names.withLock({ $0[uid] }) { return known }
        let name = lookUpUserName(of: uid)
        Self.names.withLock { $0[uid] = name }
        return name
    }

    private func lookUpUserName(of uid: uid_t) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else {
            return String(uid)
        }
        return String(cString: name)
    }
}
