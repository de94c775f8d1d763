/// Everything one host should have: folders, then files, each sorted by
/// path so the same topology always renders the same bytes in the same
/// order.
public struct HostDesiredState: Sendable, Hashable {
    public var host: String
    public var root: String
    public var instances: [DaemonInstance]
    public private(set) var directories: [ManagedDirectory]
    public private(set) var files: [ManagedFile]

    public init(
        host: String,
        root: String,
        instances: [DaemonInstance],
        directories: [ManagedDirectory],
        files: [ManagedFile]
    ) {
        self.host = host
        self.root = root
        self.instances = instances
        self.directories = directories.sorted { $0.path < $1.path }
        self.files = files.sorted { $0.path < $1.path }
    }

    /// Binary search: `files` is sorted by path.
    public func file(at path: String) -> ManagedFile? {
        var low = 0
        var high = files.count
        while low < high {
            let middle = (low + high) / 2
            if files[middle].path < path { low = middle + 1 } else { high = middle }
        }
        return low < files.count && files[low].path == path ? files[low] : nil
    }
}

extension HostDesiredState {
    /// Every folder, file and daemon of either state (this one's copy wins).
    public func merged(with other: HostDesiredState) -> HostDesiredState {
        let paths = Set(directories.map(\.path))
        let filePaths = Set(files.map(\.path))
        var instances = self.instances
        for instance in other.instances where !instances.contains(instance) { instances.append(instance) }
        return HostDesiredState(
            host: host,
            root: root,
            instances: instances,
            directories: directories + other.directories.filter { !paths.contains($0.path) },
            files: files + other.files.filter { !filePaths.contains($0.path) }
        )
    }
}
