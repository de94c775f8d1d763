/// A batch of operations in the order every transport applies them:
/// folders parents first, then writes, then removals deepest first (so a
/// folder is empty by the time its turn comes).
public struct HostBatch: Sendable, Hashable {
    public var directories: [ManagedDirectory] = []
    public var writes: [ManagedFile] = []
    public var removals: [String] = []
    /// Folders removed if empty, deepest first, after every other removal.
    public var emptyFolderRemovals: [String] = []

    public init(_ operations: [HostOperation]) {
        for operation in operations {
            switch operation {
            case .makeDirectory(let directory): directories.append(directory)
            case .write(let file): writes.append(file)
            case .remove(let path): removals.append(path)
            case .removeIfEmpty(let path): emptyFolderRemovals.append(path)
            }
        }
        directories.sort { $0.path < $1.path }
        removals.sort(by: >)
        emptyFolderRemovals.sort(by: >)
    }
}

extension HostLayout {
    /// `path` under the host's root, or nil if it is not host-absolute or
    /// climbs out with `..`: no transport may touch anything outside.
    public func confined(_ path: String) -> String? {
        guard path.hasPrefix("/"), !path.split(separator: "/").contains("..") else { return nil }
        return resolve(path)
    }
}

extension HostTransport {
    /// The path on the host, or a `host-invalid-path` error.
    public func confined(_ path: String, in layout: HostLayout) throws(HostError) -> String {
        guard let resolved = layout.confined(path) else {
            throw HostError(host: host, code: .invalidPath, message: "not a host-absolute path: \(Quoted(path))")
        }
        return resolved
    }

    /// Whether a process runs on the host (`kill -0`).
    public func isAlive(_ pid: Int32) async throws(HostError) -> Bool {
        try await run(["/bin/kill", "-0", String(pid)], input: []).succeeded
    }
}
