/// nginx's process and connection limits (Onionspray's `nginx_workers`,
/// `softmap_nginx_workers` and `nginx_rlim`).
public struct NginxProcesses: Sendable, Hashable {
    /// `auto` (one per core) or a number.
    public var workers: String
    /// Connections per worker, both sides of the proxy counted.
    public var connections: Int
    /// Open files per worker (`worker_rlimit_nofile`).
    public var openFiles: Int

    public init(workers: String = "auto", connections: Int = 1024, openFiles: Int = 4096) {
        self.workers = workers
        self.connections = connections
        self.openFiles = openFiles
    }

    public static let workersRange = 1...256
    public static let connectionsRange = 16...1_048_576
    public static let openFilesRange = 64...1_048_576
}
