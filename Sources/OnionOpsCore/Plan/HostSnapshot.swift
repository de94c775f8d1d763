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

    public init(
        host: String,
        files: [String: FileStatus] = [:],
        running: [DaemonInstance: Int32] = [:],
        current: Generation? = nil
    ) {
        self.host = host
        self.files = files
        self.running = running
        self.current = current
    }
}
