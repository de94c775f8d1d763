/// Everything one host needs to reach its desired state, and nothing
/// more: an unchanged file is not written and an unchanged daemon is not
/// touched.
public struct HostPlan: Sendable, Hashable {
    public var host: String
    /// The state the plan reaches (recorded as the next generation).
    public var desired: HostDesiredState
    /// Folders to create or whose mode or owner to fix.
    public var directories: [ManagedDirectory]
    public var changes: [FileChange]
    /// Folders in the inventory that are no longer wanted, deepest first.
    public var removedDirectories: [String]
    /// Key files of removed sites, and the other files of their folders,
    /// kept: keys are never pruned without an explicit flag.
    public var keptKeys: [String]
    public var daemons: [DaemonInstance: DaemonAction]

    public init(
        host: String,
        desired: HostDesiredState,
        directories: [ManagedDirectory] = [],
        changes: [FileChange] = [],
        removedDirectories: [String] = [],
        keptKeys: [String] = [],
        daemons: [DaemonInstance: DaemonAction] = [:]
    ) {
        self.host = host
        self.desired = desired
        self.directories = directories
        self.changes = changes
        self.removedDirectories = removedDirectories
        self.keptKeys = keptKeys
        self.daemons = daemons
    }

    public var isEmpty: Bool {
        directories.isEmpty && changes.isEmpty && removedDirectories.isEmpty && daemons.isEmpty
    }

    public func count(_ kind: FileChange.Kind) -> Int { changes.count { $0.kind == kind } }
    public func count(_ action: DaemonAction) -> Int { daemons.values.count { $0 == action } }

    /// Daemons with `action`, in a stable order (tor, nginx, publishers by name).
    public func instances(_ action: DaemonAction) -> [DaemonInstance] {
        daemons.filter { $0.value == action }.map(\.key).sorted { $0.description < $1.description }
    }

    /// One line: `2 create, 1 update, 0 delete, 1 reload, 0 start, 0 stop`.
    public var summary: String {
        [
            "\(count(.create)) create", "\(count(.update) + count(.metadata)) update", "\(count(.delete)) delete",
            "\(count(.reload)) reload", "\(count(.start)) start", "\(count(.stop)) stop",
        ].joined(separator: ", ")
    }
}
