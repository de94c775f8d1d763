import Foundation
import OnionOpsCore

#if canImport(Glibc)
    import Glibc
#endif

/// The machine OnionOps runs on: its name and its processes, to judge
/// whether a host lock taken from here is stale.
enum LocalMachine {
    static let name: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? "localhost" : text
    }()

    /// False only when the process certainly does not exist.
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }

    static func lock(owner: String) -> HostLock {
        let word = owner.isEmpty ? "onionops" : owner.replacing(" ", with: "_")
        return HostLock(owner: word, pid: getpid(), startedAt: Int(Date().timeIntervalSince1970), machine: name)
    }

    /// A lock taken from this machine by a process that has exited.
    static func isStale(_ lock: HostLock) -> Bool {
        lock.machine == name && !isAlive(lock.pid)
    }
}
