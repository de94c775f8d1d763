/// How a host came out of a reconcile.
public enum HostStatus: String, Sendable, Hashable, Codable {
    /// Nothing to do.
    case inSync = "in-sync"
    /// Dry run: the plan has changes.
    case changesPending = "changes-pending"
    case applied
    /// A gate failed (or the backends a publisher needs failed) and the
    /// host is back on its previous generation.
    case rolledBack = "rolled-back"
    /// The rollback itself failed: the host needs a person.
    case rollbackFailed = "rollback-failed"
    case unreachable
    /// Could not plan (locked, unreadable generation, ...).
    case error
}
