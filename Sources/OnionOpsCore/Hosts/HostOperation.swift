/// One change to a host, as part of a batch.
public enum HostOperation: Sendable, Hashable {
    case makeDirectory(ManagedDirectory)
    case write(ManagedFile)
    /// Removes a file (or an empty folder); a missing path is not an error.
    case remove(path: String)
    /// Removes a folder only if it is empty: a folder OnionOps made but a
    /// daemon wrote into (logs, tor's state, sockets) stays, since nothing
    /// outside the inventory is ever removed.
    case removeIfEmpty(path: String)
}
