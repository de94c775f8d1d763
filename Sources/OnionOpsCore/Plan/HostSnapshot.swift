/// What a host has, as the planner needs it: the status of every path it
/// might touch, which daemons run, and what the host's current generation
/// says OnionOps manages there.
public struct HostSnapshot: Sendable, Hashable {
    public var host: String
    public var files: [String: FileStatus]
    /// Main pid of each running daemon.
    public var running: [DaemonInstance: Int32]
    /// The host's current generation: its inventory (what may be removed)
    /// and its daemons. Nil on a host OnionOps has never applied to.
    public var current: Generation?
    /// What an apply that never finished (its reconciler was killed) was
    /// moving the host to: its files and daemons may be on the host, so
    /// they count as inventory too. File contents are not known (empty).
    public var interrupted: Generation?

    public init(
        host: String,
        files: [String: FileStatus] = [:],
        running: [DaemonInstance: Int32] = [:],
        current: Generation? = nil,
        interrupted: Generation? = nil
    ) {
        self.host = host
        self.files = files
        self.running = running
        self.current = current
        self.interrupted = interrupted
    }

    /// Everything OnionOps may have put on the host: the current
    /// generation and, after an interrupted apply, what it was moving to.
    public var inventory: HostDesiredState? {
        guard let interrupted else { return current?.state }
        guard let current else { return interrupted.state }
        return current.state.merged(with: interrupted.state)
    }
}
