import Foundation
import OnionOpsCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The file-system calls behind the local transport, with errno turned
/// into `HostError` values.
struct POSIXFiles {
    let host: String

    func fail(_ what: String, _ path: String, _ code: HostError.Code = .io) -> HostError {
        HostError(host: host, code: code, message: "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// Writes `content` to `path` so that readers only ever see the old or
    /// the new file: a temp file beside it, fsync, mode and owner, rename
    /// over the old one, fsync of the folder so the rename itself survives
    /// a crash.
    func atomicWrite(_ content: [UInt8], to path: String, mode: UInt16, owner: String) throws(HostError) {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        try makeParents(folder)
        let temp = "\(folder)/.\(name).onionops-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw fail("cannot create", temp) }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        var written = 0
        while written < content.count {
            let result = content.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(fd, base + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                unlink(temp)
                throw fail("cannot write", temp)
            }
            written += result
        }
        guard fsync(fd) == 0, fchmod(fd, mode_t(mode)) == 0 else {
            unlink(temp)
            throw fail("cannot sync", temp)
        }
        if geteuid() == 0 {
            let (uid, gid) = try ids(of: owner)
            guard fchown(fd, uid, gid) == 0 else {
                unlink(temp)
                throw fail("cannot chown", temp)
            }
        }
        close(fd)
        closed = true
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw fail("cannot rename into", path)
        }
        try syncFolder(folder)
    }

    func syncFolder(_ folder: String) throws(HostError) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("cannot open folder", folder) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw fail("cannot sync folder", folder) }
    }

    /// Creates a folder (and missing parents, 0755 root) and sets its own
    /// mode and owner.
    func makeDirectory(_ path: String, mode: UInt16, owner: String) throws(HostError) {
        try makeParents(path)
        guard chmod(path, mode_t(mode)) == 0 else { throw fail("cannot chmod", path) }
        if geteuid() == 0 {
            let (uid, gid) = try ids(of: owner)
            guard chown(path, uid, gid) == 0 else { throw fail("cannot chown", path) }
        }
    }

    /// Creates every missing folder of `path` (0755, the caller's owner);
    /// existing ones keep their mode and owner.
    func makeParents(_ path: String) throws(HostError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST { throw fail("cannot create folder", prefix) }
        }
    }

    func remove(_ path: String) throws(HostError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw fail("cannot stat", path)
        }
        let result = (info.st_mode & S_IFMT) == S_IFDIR ? rmdir(path) : unlink(path)
        guard result == 0 || errno == ENOENT else { throw fail("cannot remove", path) }
    }

    /// rmdir that leaves a folder with content (or one already gone) alone.
    func removeIfEmpty(_ path: String) throws(HostError) {
        guard rmdir(path) == 0 || errno == ENOENT || errno == ENOTEMPTY || errno == EEXIST else {
            throw fail("cannot remove", path)
        }
    }

    func status(_ path: String) throws(HostError) -> FileStatus? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw fail("cannot stat", path)
        }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        let digest = isDirectory ? nil : try read(path).map(FileDrift.sha256Hex)
        return FileStatus(
            isDirectory: isDirectory,
            size: Int(info.st_size),
            mode: UInt16(info.st_mode & 0o7777),
            owner: userName(of: info.st_uid),
            sha256: digest
        )
    }

    /// nil when the file is not there. One open decides: a file a daemon
    /// creates between a failed read and a later existence check must not
    /// turn "absent" into an error.
    func read(_ path: String) throws(HostError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw fail("cannot read", path)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
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
