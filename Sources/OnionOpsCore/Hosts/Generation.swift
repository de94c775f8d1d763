/// One applied revision as kept on its host: every folder and file that
/// was rendered for it, and the commit it came from. A host keeps the last
/// few, so a failed change can be rolled back without the repository.
///
/// On the host: `/var/lib/onionops/generations/<n>/MANIFEST` lists each
/// folder and file (mode, owner, SHA-256, secret flag); the files' bytes
/// sit under `files/` by their host path; `index` lists the numbers kept
/// and `current` names the applied one.
public struct Generation: Sendable, Hashable {
    public var number: Int
    public var commit: String
    public var state: HostDesiredState
    /// When it was recorded (Unix time), for `onionops history`.
    public var recordedAt: Int?
    /// A digest of everything the state was rendered from (manifests,
    /// sealed keys, the onionops binary): while it and the host are
    /// unchanged, a reconcile has nothing to render.
    public var inputs: String?

    public init(
        number: Int, commit: String, state: HostDesiredState, recordedAt: Int? = nil, inputs: String? = nil
    ) {
        self.number = number
        self.commit = commit
        self.state = state
        self.recordedAt = recordedAt
        self.inputs = inputs
    }

    public static let directory = HostLayout.stateDirectory + "/generations"
    public static let indexPath = directory + "/index"
    public static let currentPath = directory + "/current"
    public static let defaultKeep = 10
    /// What OnionOps manages on the host now (the current generation's
    /// MANIFEST): nothing outside it is ever changed or pruned.
    public static let inventoryPath = HostLayout.stateDirectory + "/inventory"
    /// The revision the host runs, one line.
    public static let appliedCommitPath = HostLayout.stateDirectory + "/applied-commit"
    /// The MANIFEST of a state an apply is moving the host to, written
    /// before its first change and removed once its generation is recorded
    /// (or the host is rolled back). Left behind by a reconciler that was
    /// killed, it tells the next one what that apply may have put on the
    /// host, so those files and daemons stay in the inventory.
    public static let pendingPath = HostLayout.stateDirectory + "/pending"

    public static func folder(_ number: Int) -> String { "\(directory)/\(number)" }
    public static func manifestPath(_ number: Int) -> String { folder(number) + "/MANIFEST" }
    public static func storedPath(_ number: Int, of path: String) -> String { folder(number) + "/files" + path }

    /// The MANIFEST text: a commit line, then one line per entry.
    public var manifest: String {
        var lines = ["commit \(commit)", "host \(state.host)", "root \(state.root)"]
        if let recordedAt { lines.append("recorded \(recordedAt)") }
        if let inputs { lines.append("inputs \(inputs)") }
        for instance in state.instances {
            lines.append("instance \(instance.record)")
        }
        for directory in state.directories {
            lines.append("dir \(String(directory.mode, radix: 8)) \(directory.owner) \(directory.path)")
        }
        for file in state.files {
            let instance = file.instance.map(\.description) ?? "-"
            let kind = file.isSecret ? "secret" : "file"
            lines.append(
                "\(kind) \(String(file.mode, radix: 8)) \(file.owner) \(FileDrift.sha256Hex(file.content)) \(instance) \(file.path)"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The numbers kept after recording this one on top of `existing`.
    public func kept(after existing: [Int], keep: Int = Generation.defaultKeep) -> [Int] {
        Array((existing.filter { $0 != number } + [number]).sorted().suffix(keep))
    }

    /// Operations that store this generation, make it current, and drop the
    /// generations beyond `keep`; `pruned` gives, for each generation to
    /// drop, the host paths its MANIFEST lists. Stored copies are root-only
    /// (0600 in 0700 folders): they hold keys.
    public func recordOperations(existing: [Int], pruned: [Int: [String]], keep: Int = Generation.defaultKeep)
        -> [HostOperation]
    {
        var operations: [HostOperation] = [
            .makeDirectory(ManagedDirectory(path: Self.directory, mode: 0o700)),
            .makeDirectory(ManagedDirectory(path: Self.folder(number), mode: 0o700)),
        ]
        for file in state.files {
            operations.append(
                .write(ManagedFile(path: Self.storedPath(number, of: file.path), content: file.content, mode: 0o600))
            )
        }
        operations.append(.write(ManagedFile(path: Self.manifestPath(number), text: manifest, mode: 0o600)))
        let kept = kept(after: existing, keep: keep)
        for old in existing where !kept.contains(old) {
            operations += Self.removalOperations(old, manifestPaths: pruned[old] ?? [])
        }
        operations.append(
            .write(
                ManagedFile(
                    path: Self.indexPath, text: kept.map(String.init).joined(separator: "\n") + "\n", mode: 0o600))
        )
        return operations + makeCurrentOperations()
    }

    /// Makes this (already stored) generation the current one: `current`,
    /// the inventory and the applied commit. Written last, so a crash
    /// before them leaves the previous generation current.
    public func makeCurrentOperations() -> [HostOperation] {
        [
            .write(ManagedFile(path: Self.inventoryPath, text: manifest, mode: 0o600)),
            .write(ManagedFile(path: Self.appliedCommitPath, text: commit + "\n", mode: 0o644)),
            .write(ManagedFile(path: Self.currentPath, text: "\(number)\n", mode: 0o600)),
            .remove(path: Self.pendingPath),
        ]
    }

    /// The operation that marks the host as moving to this state.
    public var pendingOperation: HostOperation {
        .write(ManagedFile(path: Self.pendingPath, text: manifest, mode: 0o600))
    }

    /// An old generation's stored files, their now-empty folders, its
    /// MANIFEST and its folder.
    static func removalOperations(_ number: Int, manifestPaths: [String]) -> [HostOperation] {
        var folders: Set<String> = []
        for path in manifestPaths {
            var parent = storedPath(number, of: path)
            while let slash = parent.lastIndex(of: "/") {
                parent = String(parent[..<slash])
                guard parent.count > folder(number).count else { break }
                folders.insert(parent)
            }
        }
        return manifestPaths.map { .remove(path: storedPath(number, of: $0)) } + folders.map { .remove(path: $0) }
            + [.remove(path: manifestPath(number)), .remove(path: folder(number))]
    }

    /// The host paths a MANIFEST lists (for pruning).
    public static func paths(inManifest text: String) -> [String] {
        lines(text).compactMap { line in
            let fields = Self.fields(line, maxSplits: 5)
            return (fields.first == "file" || fields.first == "secret") && fields.count == 6 ? fields[5] : nil
        }
    }

    /// A MANIFEST's lines, split on bytes: one runs to thousands of lines,
    /// and splitting by Character was most of a drift check's time. It is
    /// written by OnionOps with `\n` endings only.
    static func lines(_ text: String) -> [Substring] {
        text.utf8.split(separator: UInt8(ascii: "\n")).map { Substring($0) }
    }

    /// A line's space-separated fields, the last one taking the rest.
    static func fields(_ line: Substring, maxSplits: Int) -> [String] {
        line.utf8.split(separator: UInt8(ascii: " "), maxSplits: maxSplits).map { String(Substring($0)) }
    }

    /// Parses a MANIFEST with the stored file contents read back. With
    /// `contents` nil (a pending record, which stores no copies) every
    /// file comes back empty: only its path, owner, mode and daemon count.
    public static func parse(
        number: Int,
        manifest text: String,
        contents: [String: [UInt8]]?
    ) -> Generation? {
        var commit = ""
        var host = ""
        var root = "/"
        var directories: [ManagedDirectory] = []
        var files: [ManagedFile] = []
        var instances: [DaemonInstance] = []
        var recordedAt: Int?
        var inputs: String?
        for line in lines(text) {
            let fields = Self.fields(line, maxSplits: 5)
            switch fields.first {
            case "commit": commit = fields.dropFirst().joined(separator: " ")
            case "host": host = fields.dropFirst().joined(separator: " ")
            case "root": root = fields.dropFirst().joined(separator: " ")
            case "recorded": recordedAt = fields.count == 2 ? Int(fields[1]) : nil
            case "inputs": inputs = fields.count == 2 ? fields[1] : nil
            case "instance":
                guard let instance = DaemonInstance(record: line.dropFirst("instance ".count)) else { return nil }
                instances.append(instance)
            case "dir":
                let parts = Self.fields(line, maxSplits: 3)
                guard parts.count == 4, let mode = UInt16(parts[1], radix: 8) else { return nil }
                directories.append(ManagedDirectory(path: parts[3], mode: mode, owner: parts[2]))
            case "file", "secret":
                guard fields.count == 6, let mode = UInt16(fields[1], radix: 8) else { return nil }
                let content: [UInt8]
                if let contents {
                    guard let stored = contents[fields[5]], FileDrift.sha256Hex(stored) == fields[3] else {
                        return nil
                    }
                    content = stored
                } else {
                    content = []
                }
                files.append(
                    ManagedFile(
                        path: fields[5],
                        content: content,
                        mode: mode,
                        owner: fields[2],
                        instance: fields[4] == "-" ? nil : instances.first { $0.description == fields[4] },
                        isSecret: fields[0] == "secret"
                    )
                )
            default:
                return nil
            }
        }
        let state = HostDesiredState(
            host: host, root: root, instances: instances, directories: directories, files: files)
        return Generation(number: number, commit: commit, state: state, recordedAt: recordedAt, inputs: inputs)
    }

    /// One folder or file as a MANIFEST records it, hash included, for
    /// checking a host against its generation without the stored copies.
    public struct Entry: Sendable, Hashable {
        public var path: String
        public var isDirectory: Bool
        public var mode: UInt16
        public var owner: String
        /// Hex SHA-256 of a file's bytes; nil for a folder.
        public var sha256: String?
        /// A key (onion or TLS): pruned from stored generations with
        /// `--prune-keys`.
        public var isSecret: Bool = false

        /// Whether `status` (nil: absent) matches this entry.
        public func matches(_ status: FileStatus?) -> Bool {
            guard let status else { return false }
            return status.isDirectory == isDirectory && status.mode == mode && status.owner == owner
                && (isDirectory || status.sha256 == sha256)
        }
    }

    /// The folders and files a MANIFEST lists, with their hashes.
    public static func entries(inManifest text: String) -> [Entry] {
        lines(text).compactMap { line in
            let fields = Self.fields(line, maxSplits: 5)
            switch fields.first {
            case "dir":
                let parts = Self.fields(line, maxSplits: 3)
                guard parts.count == 4, let mode = UInt16(parts[1], radix: 8) else { return nil }
                return Entry(path: parts[3], isDirectory: true, mode: mode, owner: parts[2], sha256: nil)
            case "file", "secret":
                guard fields.count == 6, let mode = UInt16(fields[1], radix: 8) else { return nil }
                return Entry(
                    path: fields[5], isDirectory: false, mode: mode, owner: fields[2], sha256: fields[3],
                    isSecret: fields[0] == "secret")
            default:
                return nil
            }
        }
    }
}
