/// A held host lock: who took it, from which machine and when, as written
/// in the lock file.
public struct HostLock: Sendable, Hashable {
    public var owner: String
    public var pid: Int32
    public var startedAt: Int
    /// The machine the owning process runs on: a lock is judged stale (its
    /// process gone) only from that machine, since the pid means nothing
    /// elsewhere.
    public var machine: String

    public init(owner: String, pid: Int32, startedAt: Int, machine: String) {
        self.owner = owner
        self.pid = pid
        self.startedAt = startedAt
        self.machine = machine
    }

    /// `owner pid startedAt machine`, one line.
    public var fileContent: String { "\(owner) \(pid) \(startedAt) \(machine)\n" }

    public var holderDescription: String { "\(owner) (pid \(pid) on \(machine), since \(startedAt))" }

    public static func parse(_ text: String) -> HostLock? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        guard parts.count == 4, let pid = Int32(parts[1]), let started = Int(parts[2]) else { return nil }
        return HostLock(owner: String(parts[0]), pid: pid, startedAt: started, machine: String(parts[3]))
    }

    /// Host-absolute path of the lock file.
    public static let path = HostLayout.stateDirectory + "/lock"
}
