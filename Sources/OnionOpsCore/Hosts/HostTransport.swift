/// Everything OnionOps does to a host goes through a transport: a local
/// folder (a sandbox, or `/` for pull mode) or SSH.
///
/// Operations take whole batches so that observing or changing a host
/// costs a bounded number of round trips however many files it has. Paths
/// are host-absolute; the transport adds the host's root.
public protocol HostTransport: Sendable {
    /// The host's name, for messages.
    var host: String { get }

    /// Whether the host is this machine's own folder: then a check is a
    /// system call, not a command (default: false).
    var isLocal: Bool { get }

    /// Size, mode, owner and SHA-256 of each path that exists.
    func stat(_ paths: [String]) async throws(HostError) -> [String: FileStatus]

    /// The content of each path that exists.
    func read(_ paths: [String]) async throws(HostError) -> [String: [UInt8]]

    /// Folders first (in path order), then every write atomically (temp
    /// file, fsync, mode and owner, rename, fsync of the folder), then
    /// removals. A file is always either its old or its new content.
    func apply(_ operations: [HostOperation]) async throws(HostError)

    /// A command on the host, with arguments (never through a shell) and
    /// optional standard input.
    func run(_ command: [String], input: [UInt8]) async throws(HostError) -> CommandOutput

    /// Whether a process exists on the host (default: `kill -0` run there).
    func isAlive(_ pid: Int32) async throws(HostError) -> Bool

    /// For each pid file whose first line names a process that exists on
    /// the host, that pid (default: a read, then `isAlive` for each). A
    /// daemon start waits on this, so a remote host answers it in one
    /// round trip.
    func livePids(inFiles pidFiles: [String]) async throws(HostError) -> [String: Int32]

    /// Reads, stats and live pid files in one look (default: `read`,
    /// `stat` and `livePids(inFiles:)` in turn; a remote host answers in one
    /// round trip).
    func look(read: [String], stat: [String], livePidsIn pidFiles: [String]) async throws(HostError) -> HostLook

    /// Takes the host's lock, or fails naming who holds it. A lock whose
    /// owner process is gone is taken over.
    func lock(owner: String) async throws(HostError) -> HostLock

    func unlock(_ lock: HostLock) async throws(HostError)

    /// A path on this machine that reaches the unix socket `path` on the
    /// host (tor's control socket, Onionbalance's status socket): the
    /// socket itself for a local host, an SSH forward for a remote one.
    /// Give it back with `releaseSocket` when done.
    func forwardSocket(_ path: String) async throws(HostError) -> String

    func releaseSocket(_ localPath: String) async
}

extension HostTransport {
    public var isLocal: Bool { false }

    public func look(read paths: [String], stat statPaths: [String], livePidsIn pidFiles: [String])
        async throws(HostError) -> HostLook
    {
        HostLook(
            contents: paths.isEmpty ? [:] : try await read(paths),
            statuses: statPaths.isEmpty ? [:] : try await stat(statPaths),
            livePids: try await livePids(inFiles: pidFiles))
    }

    public func livePids(inFiles pidFiles: [String]) async throws(HostError) -> [String: Int32] {
        guard !pidFiles.isEmpty else { return [:] }
        let contents = try await read(pidFiles)
        var alive: [String: Int32] = [:]
        for path in pidFiles {
            guard let pid = contents[path].flatMap(PidFileText.pid(in:)) else { continue }
            if try await isAlive(pid) { alive[path] = pid }
        }
        return alive
    }
}

/// One look at a host: file contents, file statuses and the live pid of
/// each pid file, by path (a path that does not exist, or a pid that does
/// not run, is absent).
public struct HostLook: Sendable {
    public var contents: [String: [UInt8]]
    public var statuses: [String: FileStatus]
    public var livePids: [String: Int32]

    public init(
        contents: [String: [UInt8]] = [:], statuses: [String: FileStatus] = [:], livePids: [String: Int32] = [:]
    ) {
        self.contents = contents
        self.statuses = statuses
        self.livePids = livePids
    }
}

/// What a pid file holds: a positive pid on its first line.
public enum PidFileText {
    public static func pid(in content: [UInt8]) -> Int32? {
        let firstLine =
            String(decoding: content, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .first ?? ""
        guard let pid = Int32(firstLine), pid > 0 else { return nil }
        return pid
    }
}
