import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsManifest
import OnionOpsReconcile
import OnionOpsRender
import OnionOpsSecrets
import OnionOpsTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The demo topology (manifests/: news hardmap and shop softmap on edge-1
/// and edge-2, tor offline) moved into a folder of its own, reconciled
/// with real tor, nginx and Onionbalance; every daemon it started is
/// killed at the end.
final class ReconcileSandbox: Sendable {
    let folder: TemporaryFolder
    let topology: Topology
    let keyring: Keyring
    /// Each host's root folder on this machine.
    let roots: [String: String]
    private let mounts = Mutex<[String]>([])

    /// With `ssh`, edge-1 is reached over SSH (a real sshd on loopback)
    /// and its root is that sshd's sandbox folder.
    /// `manifests` defaults to the demo's; any Examples/ folder works (its
    /// hosts are kept offline here with `DisableNetwork 1`).
    init(prefix: String = "oo-rc", ssh: SSHTestHost? = nil, manifests: String = RepositoryPaths.manifests.path)
        async throws
    {
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: manifests))
        folder = try TemporaryFolder(prefix: prefix)
        var topology = SandboxTree.relocate(loaded.topology, under: folder.path)
        for index in topology.hosts.indices where !topology.hosts[index].testingTorOptions.contains("DisableNetwork 1")
        {
            topology.hosts[index].testingTorOptions.append("DisableNetwork 1")
            topology.hosts[index].testHost = true
        }
        if let ssh, let index = topology.hosts.firstIndex(where: { $0.name == "edge-1" }) {
            topology.hosts[index].connection = .ssh(ssh.connection)
        }
        self.topology = topology
        roots = Dictionary(uniqueKeysWithValues: topology.hosts.map { ($0.name, $0.connection.root) })
        for host in topology.hosts {
            try FileManager.default.createDirectory(atPath: host.connection.root, withIntermediateDirectories: true)
        }
        keyring = try await Keyring.open(
            for: topology,
            store: SealedKeyStore(folder: manifests + "/keys"),
            identityFile: RepositoryPaths.demoIdentity.path,
            withKeyFiles: true
        )
    }

    func desired(_ topology: Topology) throws -> DesiredState {
        try Renderer(identities: keyring.identities, keys: keyring.material).render(topology)
    }

    /// Reconciles `topology` (default: the demo) onto its hosts; every
    /// step of every host is appended to `log` in the order it finished.
    func apply(
        _ topology: Topology? = nil,
        hooks: ApplyHooks = .none,
        log: StepLog? = nil,
        commit: String = "test"
    ) async throws -> [HostReport] {
        let topology = topology ?? self.topology
        let reconciler = Reconciler(
            options: ReconcileOptions(commit: commit, hooks: hooks),
            events: { event in
                if case .stepFinished(let host, let step, let failure, _) = event {
                    log?.append("\(host): \(step)\(failure == nil ? "" : " FAILED")")
                }
            }
        )
        return await reconciler.apply(try desired(topology), hosts: topology.hosts)
    }

    func root(_ host: String) -> String { roots[host] ?? "\(folder.path)/\(host)" }

    /// Puts `host`'s root on a tmpfs of `megabytes` (a disk that can fill).
    func mountTmpfs(_ host: String, megabytes: Int) throws {
        let result = try Command.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", root(host)])
        guard result.succeeded else { throw SandboxTree.Failure(description: "mount: \(result.output)") }
        mounts.withLock { $0.append(root(host)) }
    }

    func path(_ host: String, _ hostPath: String) -> String { HostLayout(root: root(host)).resolve(hostPath) }

    func read(_ host: String, _ hostPath: String) -> String? {
        try? String(contentsOfFile: path(host, hostPath), encoding: .utf8)
    }

    /// The live pid in a pid file, or nil.
    func pid(_ host: String, _ pidFile: String) -> Int32? {
        guard let text = read(host, pidFile), let pid = Int32(text.split(separator: "\n").first ?? "") else {
            return nil
        }
        return kill(pid, 0) == 0 ? pid : nil
    }

    /// Every daemon pid of the hosts, by pid file.
    func pids() -> [String: Int32] {
        var result: [String: Int32] = [:]
        for host in roots.keys.sorted() {
            for file in Self.pidFiles(in: root(host)) {
                let relative = String(file.dropFirst(root(host).count))
                if let pid = pid(host, relative) { result[host + relative] = pid }
            }
        }
        return result
    }

    static func pidFiles(in root: String) -> [String] {
        let run = root + "/run/onionops"
        guard let walker = FileManager.default.enumerator(atPath: run) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".pid") }.map { run + "/" + $0 }
    }

    /// An HTTP request through a project's nginx socket: the status code,
    /// or nil when nothing answered.
    func request(_ host: String, project: String, site: String, path: String = "/hello-onion") -> Int? {
        let socket = self.path(host, HostLayout.nginxSocket(project: project, port: 80))
        let output = try? Command.run(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--unix-socket", socket,
                "http://\(site)\(path)",
            ]
        )
        return output.flatMap { Int($0.output.trimmingCharacters(in: .whitespacesAndNewlines)) }.flatMap {
            $0 == 0 ? nil : $0
        }
    }

    func stopAll() {
        SandboxDaemons.kill(roots: Array(Set(roots.values)))
        usleep(100_000)
        for mount in mounts.withLock({ $0 }) {
            _ = try? Command.run("/bin/umount", ["-l", mount])
        }
        folder.remove()
    }
}

/// Steps in the order they finished, across hosts.
final class StepLog: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }

    func index(of fragment: String) -> Int? { all.firstIndex { $0.contains(fragment) } }
}
