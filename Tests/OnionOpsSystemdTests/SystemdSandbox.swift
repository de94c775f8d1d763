import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsManifest
import OnionOpsReconcile
import OnionOpsRender
import OnionOpsSecrets
import OnionOpsTestSupport
import Testing

/// `make systemd-e2e` sets `ONIONOPS_SYSTEMD=1`; it needs root (namespaces,
/// mounts, systemd-nspawn).
enum SystemdWorld {
    static var isEnabled: Bool {
        ProcessInfo.processInfo.environment["ONIONOPS_SYSTEMD"] == "1" && Command.isRoot
    }
    static let disabledReason: Comment = "set ONIONOPS_SYSTEMD=1 and run as root"

    static func report(_ line: String) {
        print("[systemd] \(line)")
    }
}

/// A copy of a manifest folder whose hosts are systemd containers, reached
/// over SSH as `user` (root, or deploy with `become: sudo`), reconciled by the
/// real `onionops` binary.
final class SystemdSandbox: Sendable {
    let folder: TemporaryFolder
    let manifests: String
    let identity = RepositoryPaths.demoIdentity.path

    /// `source`: manifests/ or an Examples/ folder; its hosts.yaml is
    /// replaced by one Host per container, in order of the names given.
    /// `torOptions`: every host's testing tor options (offline by default;
    /// a private Tor network's to join it); `onionbalance`: the publisher
    /// binary inside the containers (the testnet launcher).
    init(
        source: URL, hosts: [(name: String, container: SystemdTestHost)], user: String = "root",
        packages: String? = nil, torOptions: [String] = ["DisableNetwork 1"], onionbalance: String? = nil
    ) throws {
        folder = try TemporaryFolder(prefix: "oo-sdm")
        manifests = folder.path + "/m"
        try FileManager.default.copyItem(atPath: source.path, toPath: manifests)
        try? FileManager.default.removeItem(atPath: manifests + "/README.md")
        let options = torOptions.map { "\"\($0)\"" }.joined(separator: ", ")
        let documents = hosts.map { name, container in
            let connection = container.connection(user: user)
            let become = user == "root" ? "" : ", become: sudo"
            return """
                apiVersion: onionops/v1
                kind: Host
                metadata: {name: \(name)}
                spec:
                  ssh: {address: \(connection.address), user: \(connection.user)\(become), \
                identityFile: \(container.clientKey), knownHostsFile: \(container.knownHosts)}
                  testHost: true
                  testing: {torOptions: [\(options)]}\(packages.map { "\n  packages: \($0)" } ?? "")\(
                    onionbalance.map { "\n  onionbalance: {binary: \($0)}" } ?? "")

                """
        }
        try documents.joined(separator: "---\n").write(
            toFile: manifests + "/hosts.yaml", atomically: true, encoding: .utf8)
    }

    /// `onionops ARGUMENTS`, waited for off the cooperative pool.
    func onionops(_ arguments: [String]) async throws -> OnionOpsBinary.Result {
        try await OnionOpsBinary.runAsync(arguments)
    }

    func reconcile(_ extra: [String] = []) async throws -> OnionOpsBinary.Result {
        try await onionops(["reconcile", manifests, "--identity", identity] + extra)
    }

    /// The manifests loaded, validated and opened in this process, for a
    /// test that reconciles with the real `Reconciler` and hooks into its
    /// steps (fault injection) instead of running the binary.
    func load() async throws -> (topology: Topology, keyring: Keyring) {
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: manifests))
        guard loaded.isValid else { throw Failure(description: loaded.diagnostics.map(\.description).joined()) }
        let keyring = try await Keyring.open(
            for: loaded.topology, store: SealedKeyStore(folder: manifests + "/keys"), identityFile: identity,
            withKeyFiles: true)
        return (loaded.topology, keyring)
    }

    /// `topology` rendered and reconciled in this process, with `hooks`
    /// before each step and the reconciler's events to `events`.
    func apply(
        _ topology: Topology, keyring: Keyring, hooks: ApplyHooks = .none, commit: String,
        events: @escaping @Sendable (ReconcileEvent) -> Void = { _ in }
    ) async throws -> [HostReport] {
        let errors = Validator().validate(topology).filter { $0.severity == .error }
        guard errors.isEmpty else { throw Failure(description: errors.map(\.description).joined(separator: "\n")) }
        let desired = try Renderer(identities: keyring.identities, keys: keyring.material).render(topology)
        return await Reconciler(options: ReconcileOptions(commit: commit, hooks: hooks), events: events)
            .apply(desired, hosts: topology.hosts)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func remove() { folder.remove() }
}

extension SystemdTestHost {
    /// Boots containers (name, index), runs `body`, and stops them whether
    /// it threw or not. Awaited, not deferred to a detached task: the test
    /// process may exit before such a task runs, leaving containers behind.
    static func with<T>(
        _ specs: [(name: String, index: Int)],
        image: Image = .full,
        sudoers: String? = nil,
        repository: String? = nil,
        _ body: ([SystemdTestHost]) async throws -> T
    ) async throws -> T {
        var hosts: [SystemdTestHost] = []
        do {
            for spec in specs {
                hosts.append(
                    try await SystemdTestHost.boot(
                        name: spec.name, index: spec.index, image: image, sudoers: sudoers, repository: repository))
            }
            let result = try await body(hosts)
            for host in hosts { await host.stop() }
            return result
        } catch {
            for host in hosts { await host.stop() }
            throw error
        }
    }
}
