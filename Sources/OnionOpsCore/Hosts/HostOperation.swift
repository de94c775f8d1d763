/// One change to a host, as part of a batch.
public enum HostOperation: Sendable, Hashable {
    case makeDirectory(ManagedDirectory)
    case write(ManagedFile)
    /// Removes a file (or an empty folder); a missing path is not an error.
    case remove(path: String)
}
