import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsManifest
import OnionOpsRender
import OnionOpsSecrets
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The demo topology in two revisions, A (manifests/ as it is) and B (news
/// on two tor instances with other subdomains, shop on one, one more
/// blocked path: daemons start, stop and reload, files come and go), as
/// manifest folders the real `onionops` binary reconciles onto two local
/// sandbox hosts with real tor (offline), nginx and Onionbalance.
final class CrashSandbox: Sendable {
    let folder: TemporaryFolder
    /// Revision name -> manifest folder.
    let folders: [String: String]
    /// Revision name -> every host's rendered state.
    let desired: [String: DesiredState]
    let hosts: [OnionOpsCore.Host]

    static let revisions = ["A", "B"]

    init() async throws {
        folder = try TemporaryFolder(prefix: "oo-crash")
        var folders: [String: String] = [:]
        for revision in Self.revisions {
            let target = folder.path + "/manifests-" + revision
            try FileManager.default.copyItem(atPath: RepositoryPaths.manifests.path, toPath: target)
            let hostsPath = target + "/hosts.yaml"
            try String(contentsOfFile: hostsPath, encoding: .utf8)
                .replacingOccurrences(of: "/tmp/onionops-demo", with: folder.path)
                .write(toFile: hostsPath, atomically: true, encoding: .utf8)
            if revision == "B" {
                let projectsPath = target + "/projects.yaml"
                var text = try String(contentsOfFile: projectsPath, encoding: .utf8)
                for (old, new) in [
                    // shop (the only project on 2) to 1 first, then the
                    // first of the two on 1, news, to 2.
                    ("torInstances: 2}", "torInstances: 1}"),
                    ("torInstances: 1}", "torInstances: 2}"),
                    ("subdomains: [www, static]", "subdomains: [www, m]"),
                    ("paths: [/wp-admin]", "paths: [/wp-admin, /xmlrpc.php]"),
                ] {
                    guard let range = text.range(of: old) else {
                        throw SandboxTree.Failure(description: "manifests/projects.yaml no longer has \(old)")
                    }
                    text.replaceSubrange(range, with: new)
                }
                try text.write(toFile: projectsPath, atomically: true, encoding: .utf8)
            }
            folders[revision] = target
        }
        self.folders = folders
        var desired: [String: DesiredState] = [:]
        var hosts: [OnionOpsCore.Host] = []
        for revision in Self.revisions {
            let path = folders[revision] ?? ""
            let loaded = await ManifestLoader().load(from: FolderManifestSource(path: path))
            guard loaded.isValid else {
                throw SandboxTree.Failure(description: "revision \(revision): \(loaded.diagnostics)")
            }
            let keyring = try await Keyring.open(
                for: loaded.topology, store: SealedKeyStore(folder: path + "/keys"),
                identityFile: RepositoryPaths.demoIdentity.path, withKeyFiles: true)
            desired[revision] = try Renderer(identities: keyring.identities, keys: keyring.material).render(
                loaded.topology)
            hosts = loaded.topology.hosts
        }
        self.desired = desired
        self.hosts = hosts
        for host in hosts {
            try FileManager.default.createDirectory(atPath: host.connection.root, withIntermediateDirectories: true)
        }
    }

    var roots: [String] { hosts.map(\.connection.root) }

    func arguments(_ revision: String) -> [String] {
        [
            "reconcile", folders[revision] ?? "", "--identity", RepositoryPaths.demoIdentity.path, "--revision",
            revision,
        ]
    }

    /// A reconcile to `revision` that runs to its end.
    func reconcile(_ revision: String) throws -> OnionOpsBinary.Result {
        try OnionOpsBinary.run(arguments(revision))
    }

    /// The same, in the background, for a test to kill.
    func start(_ revision: String, log: String, extra: [String] = []) throws -> BackgroundProcess {
        try BackgroundProcess(OnionOpsBinary.url.path, arguments(revision) + extra, log: log)
    }

    func stopAll() {
        SandboxDaemons.kill(roots: roots)
        folder.remove()
    }

    func state(_ revision: String, host: String) -> HostDesiredState? {
        desired[revision]?.host(named: host)
    }

    func transport(_ host: OnionOpsCore.Host) -> LocalTransport {
        LocalTransport(host: host.name, root: host.connection.root)
    }

    /// What is wrong with `host` right after a reconciler moving it from
    /// `from` to `to` was killed; empty when nothing is. `phase` says how
    /// far that apply got on this host.
    func crashProblems(host: OnionOpsCore.Host, from: String, to: String) async throws -> (
        problems: [String], phase: CrashPhase
    ) {
        guard let old = state(from, host: host.name), let new = state(to, host: host.name) else {
            return (["no desired state for \(host.name)"], .untouched)
        }
        let transport = transport(host)
        var problems: [String] = []
        let store = GenerationStore(transport: transport)
        let index = try await store.index()
        guard let number = index.current, let current = try await store.load(number) else {
            return (["\(host.name): no whole current generation (index \(index))"], .untouched)
        }
        if ![from, to].contains(current.commit) {
            problems.append("\(host.name): current generation \(number) is of \(current.commit)")
        }
        // No torn file: every path of either state is absent or one
        // state's bytes, whole.
        let paths = Set(old.files.map(\.path) + new.files.map(\.path)).sorted()
        let status = try await transport.stat(paths)
        for path in paths {
            guard let observed = status[path] else { continue }
            let allowed = [old.file(at: path), new.file(at: path)].compactMap { $0 }.map {
                FileDrift.sha256Hex($0.content)
            }
            if !allowed.contains(observed.sha256 ?? "") {
                problems.append("\(host.name): \(path) is neither \(from)'s nor \(to)'s (torn or foreign)")
            }
        }
        let pending = try await transport.read([Generation.pendingPath])[Generation.pendingPath]
        let phase: CrashPhase
        if let pending {
            let commit = Generation.parse(number: 0, manifest: String(decoding: pending, as: UTF8.self), contents: nil)?
                .commit
            if commit != to {
                problems.append("\(host.name): pending names \(commit ?? "nothing parsable"), not \(to)")
            }
            phase = current.commit == to ? .recorded : .midApply
        } else {
            // Nothing pending: the host is exactly its current generation.
            let all = try await transport.stat(current.state.directories.map(\.path) + current.state.files.map(\.path))
            let drift = FileDrift.compare(current.state, with: all)
            if !drift.isEmpty {
                problems.append("\(host.name): no apply pending, yet it differs from generation \(number): \(drift)")
            }
            phase = current.commit == to ? .recorded : .untouched
        }
        return (problems, phase)
    }

    /// What is wrong with `host` after a reconcile to `revision` finished:
    /// its files are that revision's, recorded, nothing pending, no temp
    /// file, and no daemon of another revision runs.
    func convergenceProblems(host: OnionOpsCore.Host, revision: String) async throws -> [String] {
        guard let wanted = state(revision, host: host.name) else { return ["no desired state for \(host.name)"] }
        let transport = transport(host)
        var problems: [String] = []
        let observed = try await transport.stat(wanted.directories.map(\.path) + wanted.files.map(\.path))
        let drift = FileDrift.compare(wanted, with: observed)
        if !drift.isEmpty { problems.append("\(host.name): differs from \(revision): \(drift.prefix(5))") }
        let state = try await transport.read([Generation.appliedCommitPath, Generation.pendingPath])
        if state[Generation.appliedCommitPath] != Array((revision + "\n").utf8) {
            problems.append("\(host.name): applied-commit is not \(revision)")
        }
        if state[Generation.pendingPath] != nil { problems.append("\(host.name): an apply is still pending") }
        let root = host.connection.root
        let walker = FileManager.default.enumerator(atPath: root)
        while let relative = walker?.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            guard name.contains(".onionops-") else { continue }
            // The pending record is an apply's first write: a run killed
            // while writing it leaves its temp file and no record, so the
            // host is still wholly on its generation and the next reconcile
            // may find it in sync by the shortcut, which takes no lock and
            // so sweeps nothing (seen once in a CI run). The temp holds no
            // key and is swept by the next apply. Any other temp file means
            // a write that no run cleaned up.
            if relative == "var/lib/onionops/" + name && name.hasPrefix(".pending.onionops-") {
                RobustnessWorld.report(
                    "crash: \(host.name): a killed run's pending-record temp file is left "
                        + "until the next apply (the host was in sync): \(relative)")
                continue
            }
            problems.append("\(host.name): temporary file left: \(relative)")
        }
        // Daemons of the other revision's instances must not run.
        let others = Self.revisions.filter { $0 != revision }.compactMap { self.state($0, host: host.name) }
        let stray = Set(others.flatMap(\.instances)).subtracting(wanted.instances)
        for instance in stray {
            guard
                let config = others.flatMap(\.files).first(where: {
                    $0.instance == instance && $0.path.hasSuffix(".torrc")
                })?.path
            else { continue }
            if Self.processes(naming: root + config).count > 0 {
                problems.append("\(host.name): \(instance) still runs after moving to \(revision)")
            }
        }
        return problems
    }

    /// Pids whose command line contains `text`.
    static func processes(naming text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return line.contains(text) ? pid : nil
        }
    }
}

/// How far a killed apply got on one host.
enum CrashPhase: String, Sendable, CaseIterable {
    /// Nothing changed: killed before this host's first change.
    case untouched = "before any change"
    /// Some of the new files or daemons are in place, the generation not
    /// yet recorded.
    case midApply = "mid-apply"
    /// The new generation is recorded.
    case recorded = "recorded"
}
