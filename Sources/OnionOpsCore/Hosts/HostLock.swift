/// A held host lock: who took it and when, as written in the lock file.
public struct HostLock: Sendable, Hashable {
    public var owner: String
    public var pid: Int32
    public var startedAt: Int

    public init(owner: String, pid: Int32, startedAt: Int) {
        self.owner = owner
        self.pid = pid
        self.startedAt = startedAt
    }

    /// `owner pid startedAt`, one line.
    public var fileContent: String { "\(owner) \(pid) \(startedAt)\n" }

    public static func parse(_ text: String) -> HostLock? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        guard parts.count == 3, let pid = Int32(parts[1]), let started = Int(parts[2]) else { return nil }
        return HostLock(owner: String(parts[0]), pid: pid, startedAt: started)
    }

    /// Host-absolute path of the lock file.
    public static let path = HostLayout.stateDirectory + "/lock"
}
