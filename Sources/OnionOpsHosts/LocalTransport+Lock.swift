import Foundation
public import OnionOpsCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension LocalTransport {
    /// The lock is an `flock(LOCK_EX|LOCK_NB)` on the lock file, held by a
    /// descriptor this process keeps open for the whole session. The kernel
    /// frees it when the process dies however it dies, so a dead holder never
    /// blocks the host and nothing is ever taken over: there is no window in
    /// which two reconcilers can both think they took over a stale lock, and
    /// no hostname or pid is judged (a container with our hostname, a pid
    /// from another namespace). The same flock is what the SSH transport
    /// takes on the host, so a local and a remote controller exclude each
    /// other too.
    public func lock(owner: String) async throws(HostError) -> HostLock {
        // flock, the record's write and fsync block: on the blocking pool.
        try await BlockingPool.shared.run { () throws(HostError) in try lockNow(owner: owner) }
    }

    private func lockNow(owner: String) throws(HostError) -> HostLock {
        let path = try confined(HostLock.path, in: layout)
        let folder = try lockFolder(for: path)
        defer { close(folder) }
        // The folder is ours alone (checked), so nobody else can have put a
        // link or a FIFO here; O_NOFOLLOW and the type check say so anyway.
        let fd = openat(folder, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot open the lock file", path) }
        var info = Glibc.stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw HostError(host: host, code: .locked, message: "\(path) is not a regular file")
        }
        var tries = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK else {
                let error = failure("cannot lock", path)
                close(fd)
                throw error
            }
            let record = Self.contents(of: fd)
            // Held with no record: a holder between taking and writing it,
            // or one just released (its descriptor can outlive the close by
            // an instant in a child another thread is spawning). Both pass
            // within milliseconds: try a few more times first.
            if record.isEmpty, tries < 10 {
                tries += 1
                usleep(10_000)
                continue
            }
            close(fd)
            // Non-blocking: a second reconciler is refused at once, naming
            // the holder, rather than queueing behind it.
            throw HostError(
                host: host, code: .locked, message: "locked by \(LockScript.describe(record: record)) at \(path)")
        }
        // Ours now. A record of an older version stays a lock: those never
        // held an flock, so its owner may be running.
        let old = Self.contents(of: fd)
        if !old.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, HostLock.parse(old)?.version != 2 {
            close(fd)
            throw HostError(
                host: host, code: .locked, message: "locked by \(LockScript.describe(record: old)) at \(path)")
        }
        var mine = LocalMachine.lock(owner: owner)
        let record = Array(mine.fileContent.utf8)
        let written = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == record.count, ftruncate(fd, off_t(record.count)) == 0 else {
            let error = failure("cannot write the lock record", path)
            close(fd)
            throw error
        }
        fsync(fd)
        mine.handle = LocalLockHandle(
            descriptor: fd, path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), record: record)
        return mine
    }

    /// Releases the lock; an error if it was not ours to the end (the lock
    /// file was removed or replaced, so another reconciler could take a new
    /// one, or its record was rewritten).
    public func unlock(_ lock: HostLock) async throws(HostError) {
        guard let handle = lock.handle as? LocalLockHandle else {
            throw HostError(host: host, code: .locked, message: "not a lock this transport took (\(lock.owner))")
        }
        if let failure = handle.release() {
            throw HostError(host: host, code: .locked, message: failure)
        }
    }

    /// The lock file's folder, opened without following a link: created
    /// 0755 if missing (daemons traverse it to their own folders), and
    /// refused unless it is this user's and writable by nobody else.
    private func lockFolder(for path: String) throws(HostError) -> Int32 {
        let folder = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: layout.root, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw HostError(host: host, code: .unreachable, message: "root folder \(layout.root) does not exist")
        }
        if !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                throw HostError(host: host, code: .io, message: "cannot create \(folder): \(error)")
            }
        }
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", folder) }
        var info = Glibc.stat()
        guard fstat(fd, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else {
            close(fd)
            throw HostError(
                host: host, code: .locked,
                message:
                    "refusing to lock in \(folder): it must be owned by uid \(geteuid()) and writable by no one else")
        }
        return fd
    }

    private func failure(_ what: String, _ path: String) -> HostError {
        HostError(host: host, code: .io, message: "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// The record in the lock file (at most 64 KiB of it).
    static func contents(of fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = pread(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }
}

/// The open descriptor holding a local host lock.
final class LocalLockHandle: HostLockHandle {
    let path: String
    let device: UInt64
    let inode: UInt64
    let record: [UInt8]
    /// -1 once released.
    private let descriptor: Mutex<Int32>

    init(descriptor: Int32, path: String, device: UInt64, inode: UInt64, record: [UInt8]) {
        self.descriptor = Mutex(descriptor)
        self.path = path
        self.device = device
        self.inode = inode
        self.record = record
    }

    func lossReason() -> String? {
        descriptor.withLock { fd in fd < 0 ? "the lock on \(path) was already released" : check() }
    }

    /// Whether the path still names the file we hold: if it was removed or
    /// replaced, another reconciler could lock the new file while we hold
    /// the old one.
    private func check() -> String? {
        var info = Glibc.stat()
        guard lstat(path, &info) == 0 else {
            return "the lock file \(path) was removed while we held it; another reconciler may have taken the host"
        }
        guard UInt64(info.st_dev) == device, UInt64(info.st_ino) == inode else {
            return "the lock file \(path) was replaced while we held it; another reconciler may have taken the host"
        }
        return nil
    }

    /// Clears our record and closes the descriptor (which frees the lock);
    /// nil when the lock was ours to the end, else why it was not.
    func release() -> String? {
        descriptor.withLock { fd in
            guard fd >= 0 else { return "the lock on \(path) was already released" }
            defer {
                close(fd)
                fd = -1
            }
            if let lost = check() { return lost }
            let now = LocalTransport.contents(of: fd)
            guard Array(now.utf8) == record else {
                return "the lock record at \(path) is no longer ours: it names \(LockScript.describe(record: now))"
            }
            _ = ftruncate(fd, 0)
            return nil
        }
    }

    deinit {
        // Dropped without a release: closing frees the lock.
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
        }
    }
}
