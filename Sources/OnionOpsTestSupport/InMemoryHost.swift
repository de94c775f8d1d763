public import OnionOpsCore
import OnionOpsHosts
import Synchronization

/// A host that lives in memory: files, folders, processes and its lock,
/// reached through `transport` and driven by `supervisor` (a
/// `FakeSupervisor`), so reconciler tests need neither root nor daemons.
///
/// Commands answer like the real ones when all is well (`nginx -t`, `tor
/// --verify-config`, the nginx health probe (perl), the liveness and lock scripts);
/// faults are injected by name: a command that fails (a gate), a write
/// that fails (a step), a daemon that will not start, or a host that
/// cannot be reached at all.
public final class InMemoryHost: Sendable {
    /// One path on the host.
    public struct Entry: Sendable, Hashable {
        public var content: [UInt8]
        public var mode: UInt16
        public var owner: String
        public var isDirectory: Bool
    }

    struct State: Sendable {
        var entries: [String: Entry] = [:]
        var processes: Set<Int32> = []
        /// nginx workers per master pid: a reload replaces them.
        var workers: [Int32: Set<Int32>] = [:]
        var nextPid: Int32 = 1000
        var lockHeld = false
        /// Counts locks taken: a handle is for one of them.
        var lockEpoch = 0
        /// Paths a batch changed while no lock was held.
        var changesWithoutLock: [String] = []
        var unreachable = false
        var failingCommands: [String] = []
        var failingWrites: [String] = []
        var failingStarts: Set<DaemonInstance> = []
        /// Every transport call, as `stat`, `read`, `apply`, `run <argv0>`.
        var calls: [String] = []
    }

    public let name: String
    private let state = Mutex(State())

    public init(name: String) {
        self.name = name
    }

    public var transport: InMemoryTransport { InMemoryTransport(host: self) }
    public var supervisor: FakeSupervisor { FakeSupervisor(host: self) }

    // MARK: Faults

    /// Every call from now on fails as if the host were down.
    public func setUnreachable(_ down: Bool) { state.withLock { $0.unreachable = down } }

    /// Any command whose arguments contain `word` exits 1 (a gate fails:
    /// `-t` for nginx -t, `--verify-config`, `perl` for the nginx probe).
    public func failCommands(containing word: String) { state.withLock { $0.failingCommands.append(word) } }

    /// A batch writing a path that ends in `suffix` fails (a step fails).
    public func failWrites(endingWith suffix: String) { state.withLock { $0.failingWrites.append(suffix) } }

    /// Starting `instance` fails.
    public func failStart(of instance: DaemonInstance) { state.withLock { _ = $0.failingStarts.insert(instance) } }

    /// The lock's holder dies (its SSH session ended): the lock is free,
    /// and its handle says it was lost.
    public func loseLock() { state.withLock { $0.lockHeld = false } }

    /// Paths changed by a batch while nobody held the lock.
    public var changesWithoutLock: [String] { state.withLock { $0.changesWithoutLock } }

    /// Why the lock `epoch` is no longer held, or nil while it is.
    func lossReason(epoch: Int) -> String? {
        state.withLock { $0.lockHeld && $0.lockEpoch == epoch }
            ? nil : "the holder of \(name)'s lock ended (in memory)"
    }

    /// Takes every fault back.
    public func heal() {
        state.withLock {
            $0.unreachable = false
            $0.failingCommands = []
            $0.failingWrites = []
            $0.failingStarts = []
        }
    }

    // MARK: Looking

    public func contents(_ path: String) -> [UInt8]? { state.withLock { $0.entries[path]?.content } }
    public func text(_ path: String) -> String? { contents(path).map { String(decoding: $0, as: UTF8.self) } }
    public var paths: [String] { state.withLock { $0.entries.keys.sorted() } }
    public var calls: [String] { state.withLock { $0.calls } }
    public func resetCalls() { state.withLock { $0.calls = [] } }
    public var livePids: Set<Int32> { state.withLock { $0.processes } }

    /// A file as something other than OnionOps left it (drift, an exit
    /// record).
    public func write(_ path: String, _ text: String, mode: UInt16 = 0o644) {
        state.withLock {
            $0.entries[path] = Entry(content: Array(text.utf8), mode: mode, owner: "root", isDirectory: false)
        }
    }

    /// A process dies.
    public func kill(_ pid: Int32) { state.withLock { _ = $0.processes.remove(pid) } }

    // MARK: What the transport and supervisor share

    func call(_ what: String) throws(HostError) {
        let down = state.withLock { state in
            state.calls.append(what)
            return state.unreachable
        }
        if down { throw HostError(host: name, code: .unreachable, message: "\(name) cannot be reached (in memory)") }
    }

    func withState<Result>(_ body: (inout State) throws(HostError) -> Result) throws(HostError) -> Result {
        do {
            return try state.withLock { state in try body(&state) }
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError(host: name, code: .io, message: "\(error)")
        }
    }

    static func status(of entry: Entry) -> FileStatus {
        FileStatus(
            isDirectory: entry.isDirectory, size: entry.content.count, mode: entry.mode, owner: entry.owner,
            sha256: entry.isDirectory ? nil : FileDrift.sha256Hex(entry.content))
    }
}
