import Foundation
public import OnionOpsCore

#if canImport(Glibc)
    import Glibc
#endif

extension LocalTransport {
    public func lock(owner: String) async throws(HostError) -> HostLock {
        try checkReachable()
        let path = try resolve(HostLock.path)
        try files.makeDirectory((path as NSString).deletingLastPathComponent, mode: 0o755, owner: "root")
        let mine = LocalMachine.lock(owner: owner)
        for _ in 0..<2 {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let bytes = Array(mine.fileContent.utf8)
                _ = bytes.withUnsafeBytes { buffer in write(fd, buffer.baseAddress, buffer.count) }
                fsync(fd)
                close(fd)
                return mine
            }
            guard errno == EEXIST else { throw files.fail("cannot create lock", path) }
            let held = (try files.read(path)).flatMap { HostLock.parse(String(decoding: $0, as: UTF8.self)) }
            // A lock whose process is gone (SIGKILL, a crash) is stale: take
            // it over. An unreadable lock is left alone for a person to see.
            if let held, LocalMachine.isStale(held) {
                unlink(path)
                continue
            }
            let holder = held?.holderDescription ?? "an unreadable lock file"
            throw HostError(host: host, code: .locked, message: "locked by \(holder) at \(path)")
        }
        throw HostError(host: host, code: .locked, message: "could not take \(path)")
    }

    public func unlock(_ lock: HostLock) async throws(HostError) {
        let path = try resolve(HostLock.path)
        let held = (try files.read(path)).flatMap { HostLock.parse(String(decoding: $0, as: UTF8.self)) }
        guard held == lock else {
            throw HostError(
                host: host, code: .locked, message: "\(path) is not held by \(lock.owner) (pid \(lock.pid))")
        }
        try files.remove(path)
    }
}
