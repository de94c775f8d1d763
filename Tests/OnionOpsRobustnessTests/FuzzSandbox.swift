import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsManifest
import OnionOpsTestSupport

/// One Examples/ topology copied into a folder of its own, its hosts'
/// roots moved there and their tor kept offline, for the real `onionops`
/// binary to reconcile it and mutants of it.
final class FuzzSandbox: Sendable {
    let temporary: TemporaryFolder
    /// The relocated, unmutated manifests.
    let folder: String
    /// Those manifests as read, for the mutator.
    let example: ManifestFuzzTests.Example
    let hosts: [OnionOpsCore.Host]

    init(example original: ManifestFuzzTests.Example) async throws {
        temporary = try TemporaryFolder(prefix: "oo-fz")
        folder = temporary.path + "/manifests"
        try FileManager.default.copyItem(atPath: original.folder, toPath: folder)
        let hostsPath = folder + "/hosts.yaml"
        try String(contentsOfFile: hostsPath, encoding: .utf8)
            .replacingOccurrences(of: "/tmp/onionops/\(original.name)", with: temporary.path + "/hosts")
            .replacingOccurrences(
                of: "  supervision: direct\n",
                with: "  supervision: direct\n  testHost: true\n  testing: {torOptions: [\"DisableNetwork 1\"]}\n"
            )
            .write(toFile: hostsPath, atomically: true, encoding: .utf8)
        let files = try await FolderManifestSource(path: folder).manifestFiles(maxBytes: 1 << 24)
        example = ManifestFuzzTests.Example(name: original.name, folder: folder, files: files)
        let loaded = ManifestLoader().load(files)
        let base = temporary.path
        guard loaded.isValid, loaded.topology.hosts.allSatisfy({ $0.connection.root.hasPrefix(base) }) else {
            throw SandboxTree.Failure(description: "\(original.name) did not relocate: \(loaded.diagnostics)")
        }
        hosts = loaded.topology.hosts
        for host in hosts {
            try FileManager.default.createDirectory(atPath: host.connection.root, withIntermediateDirectories: true)
        }
    }

    func reconcile(_ manifests: String, revision: String) throws -> OnionOpsBinary.Result {
        try OnionOpsBinary.run([
            "reconcile", manifests, "--identity", RepositoryPaths.demoIdentity.path, "--revision", revision,
        ])
    }

    /// `files` (paths under `folder`) written to a new manifest folder
    /// with a copy of the example's sealed keys (a copy, not a link:
    /// intake refuses links inside a manifest folder).
    func write(_ files: [ManifestFile]) throws -> String {
        let target = temporary.path + "/mutant"
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder + "/keys", toPath: target + "/keys")
        for file in files {
            guard case .bytes(let bytes) = file.content else { continue }
            let relative = String(file.path.dropFirst(folder.count))
            let path = target + relative
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        return target
    }

    func stopAll() {
        SandboxDaemons.kill(roots: hosts.map(\.connection.root))
        temporary.remove()
    }

    /// What an apply could change on the hosts: the applied revision, the
    /// generations, anything pending, the daemons' pids and every managed
    /// file's bytes.
    func fingerprint() async throws -> String {
        var lines: [String] = []
        for host in hosts {
            let transport = LocalTransport(host: host.name, root: host.connection.root)
            let store = GenerationStore(transport: transport)
            let index = try await store.index()
            let state = try await transport.read([Generation.appliedCommitPath, Generation.pendingPath])
            lines.append(
                "\(host.name) \(index) applied \(state[Generation.appliedCommitPath].map { String(decoding: $0, as: UTF8.self) } ?? "-") pending \(state[Generation.pendingPath] != nil)"
            )
            if let number = index.current, let current = try await store.load(number) {
                let paths = current.state.directories.map(\.path) + current.state.files.map(\.path)
                let status = try await transport.stat(paths)
                for path in paths.sorted() {
                    lines.append(
                        "\(path) \(status[path].map { "\($0.mode) \($0.owner) \($0.sha256 ?? "dir")" } ?? "absent")")
                }
            }
            let run = host.connection.root + "/run/onionops"
            let pidFiles = (FileManager.default.enumerator(atPath: run)?.allObjects ?? []).compactMap { $0 as? String }
                .filter { $0.hasSuffix(".pid") }.sorted()
            for file in pidFiles {
                lines.append("\(file) \((try? String(contentsOfFile: run + "/" + file, encoding: .utf8)) ?? "-")")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// What keeps a host from being whole on one of `allowed`: an apply
    /// still pending, another revision, or files that differ from its
    /// current generation.
    func wholeness(allowed: [String]) async throws -> [String] {
        var problems: [String] = []
        for host in hosts {
            let transport = LocalTransport(host: host.name, root: host.connection.root)
            let store = GenerationStore(transport: transport)
            let state = try await transport.read([Generation.appliedCommitPath, Generation.pendingPath])
            if state[Generation.pendingPath] != nil { problems.append("\(host.name): an apply is left pending") }
            guard let number = try await store.index().current, let current = try await store.load(number) else {
                problems.append("\(host.name): no whole current generation")
                continue
            }
            let applied = state[Generation.appliedCommitPath].map {
                String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if applied != current.commit || !allowed.contains(current.commit) {
                problems.append("\(host.name): applied \(applied ?? "-"), generation \(number) of \(current.commit)")
            }
            let paths = current.state.directories.map(\.path) + current.state.files.map(\.path)
            let drift = FileDrift.compare(current.state, with: try await transport.stat(paths))
            if !drift.isEmpty { problems.append("\(host.name): differs from its generation: \(drift.prefix(5))") }
        }
        return problems
    }
}
