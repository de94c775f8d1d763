/// Desired state against a host snapshot -> the host's plan. Pure.
///
/// Only paths that the desired state names, or that the host's current
/// generation lists (its inventory), are ever touched: a file OnionOps did
/// not write is never changed or removed.
public struct Planner: Sendable {
    /// Remove key files of sites that left the host (off by default).
    public var pruneKeys: Bool

    public init(pruneKeys: Bool = false) {
        self.pruneKeys = pruneKeys
    }

    public func plan(_ desired: HostDesiredState, on snapshot: HostSnapshot) -> HostPlan {
        var plan = HostPlan(host: desired.host, desired: desired)
        for directory in desired.directories {
            guard let status = snapshot.files[directory.path], status.isDirectory,
                status.mode == directory.mode, status.owner == directory.owner
            else {
                plan.directories.append(directory)
                continue
            }
        }

        var touched: Set<DaemonInstance> = []
        for file in desired.files {
            let status = snapshot.files[file.path]
            let hash = FileDrift.sha256Hex(file.content)
            let kind: FileChange.Kind
            if let status, !status.isDirectory {
                if status.sha256 != hash {
                    kind = .update
                } else if status.mode != file.mode || status.owner != file.owner {
                    kind = .metadata
                } else {
                    continue
                }
            } else {
                kind = .create
            }
            plan.changes.append(
                FileChange(
                    kind: kind,
                    path: file.path,
                    file: file,
                    oldSHA256: status?.sha256,
                    isSecret: file.isSecret,
                    instance: file.instance
                )
            )
            if let instance = file.instance { touched.insert(instance) }
        }

        // What the inventory lists and the desired state no longer does.
        let wantedFiles = Set(desired.files.map(\.path))
        let wantedDirectories = Set(desired.directories.map(\.path))
        let leaving = (snapshot.inventory?.files ?? []).filter {
            !wantedFiles.contains($0.path) && snapshot.files[$0.path] != nil
        }
        // A kept key keeps its folder whole (public key, hostname).
        let keptFolders = pruneKeys ? [] : Set(leaving.filter(\.isSecret).map { Self.parent(of: $0.path) })
        for old in leaving {
            let status = snapshot.files[old.path]
            if keptFolders.contains(Self.parent(of: old.path)) {
                plan.keptKeys.append(old.path)
                continue
            }
            plan.changes.append(
                FileChange(
                    kind: .delete,
                    path: old.path,
                    file: nil,
                    oldSHA256: status?.sha256,
                    isSecret: old.isSecret,
                    instance: old.instance
                )
            )
        }
        for old in snapshot.inventory?.directories ?? []
        where !wantedDirectories.contains(old.path) && snapshot.files[old.path] != nil {
            // A folder still holding a kept key stays, with its parents.
            if keptFolders.contains(where: { $0 == old.path || $0.hasPrefix(old.path + "/") }) { continue }
            plan.removedDirectories.append(old.path)
        }
        plan.removedDirectories.sort(by: >)

        let wanted = Set(desired.instances)
        for instance in desired.instances {
            if snapshot.running[instance] == nil {
                plan.daemons[instance] = .start
            } else if touched.contains(instance) {
                plan.daemons[instance] = .reload
            }
        }
        let previous = Set(snapshot.inventory?.instances ?? []).union(snapshot.running.keys)
        for instance in previous where !wanted.contains(instance) && snapshot.running[instance] != nil {
            plan.daemons[instance] = .stop
        }
        return plan
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "/" }
        return String(path[..<slash])
    }
}
