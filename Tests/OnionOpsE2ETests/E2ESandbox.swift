import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsKeys
import OnionOpsManifest
import OnionOpsReconcile
import OnionOpsRender
import OnionOpsSecrets
import OnionOpsTestSupport
import Synchronization

/// One Examples/ topology moved into a folder of its own (ReconcileSandbox's
/// way) and joined to the test network: every host gets the network's
/// testing tor options and the testnet Onionbalance launcher, every site's
/// upstream is the shared local upstream. Reconciled with the real
/// `Reconciler` onto sandbox hosts with real tor, nginx and Onionbalance;
/// `stopAll` ends every daemon by its pid file.
final class E2ESandbox: Sendable {
    let name: String
    let folder: TemporaryFolder
    /// The example as loaded, then moved and joined to the network.
    let topology: Topology
    let keyring: Keyring
    /// Site keys and certificates made for this sandbox (`freshOnion`).
    private let freshKeys = Mutex<[OnionAddress: (tor: KeyMaterial.TorKeyFiles, tls: KeyMaterial.TLSFiles)]>([:])

    /// `spareHosts`: names of hosts a test may add later (backend keys are
    /// derived for them too).
    convenience init(example name: String, world: E2EWorld, spareHosts: [String] = []) async throws {
        try await self.init(
            manifests: RepositoryPaths.examples.appendingPathComponent(name).path, name: name,
            identityFile: RepositoryPaths.demoIdentity.path, world: world, spareHosts: spareHosts)
    }

    /// Any manifest folder (an imported one, say) and the identity its keys
    /// open with.
    init(manifests path: String, name: String, identityFile: String, world: E2EWorld, spareHosts: [String] = [])
        async throws
    {
        self.name = name
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: path))
        guard loaded.isValid else {
            throw TestNetwork.Failure(description: "\(name): " + loaded.diagnostics.map(\.description).joined())
        }
        let folder = try TemporaryFolder(prefix: "oo-topo")
        do {
            var topology = SandboxTree.relocate(loaded.topology, under: folder.path)
            for index in topology.hosts.indices {
                topology.hosts[index] = Self.joined(topology.hosts[index], world: world)
            }
            for project in topology.projects.indices {
                for site in topology.projects[project].sites.indices {
                    topology.projects[project].sites[site].upstreamAddress = world.upstream.address
                }
                // The shared test upstream stands in for every site with one
                // self-signed certificate, so nginx cannot verify it as
                // example.org; verification has its own rows in
                // ProxyParityTests (a test CA, a wrong name, a CA folder).
                topology.projects[project].nginx.upstream.verifyTLS = false
            }
            try Self.validate(topology, name: name)

            var keyTopology = topology
            for index in keyTopology.projects.indices where keyTopology.projects[index].mode == .softmap {
                keyTopology.projects[index].placement.hosts += spareHosts
            }
            keyring = try await Keyring.open(
                for: keyTopology,
                store: SealedKeyStore(folder: path + "/keys"),
                identityFile: identityFile,
                withKeyFiles: true
            )
            self.topology = topology
            self.folder = folder
        } catch {
            folder.remove()
            throw error
        }
    }

    /// A host on the test network: its tors join it (the allow-listed
    /// testing options), its publishers run Onionbalance the testnet way.
    static func joined(_ host: OnionOpsCore.Host, world: E2EWorld) -> OnionOpsCore.Host {
        var host = host
        host.testingTorOptions = world.network.serviceTorOptions
        host.testHost = true
        host.onionbalance.binary = world.network.onionbalanceLauncher
        return host
    }

    /// The validator passes what the test changed, testing options too.
    static func validate(_ topology: Topology, name: String) throws {
        let errors = Validator().validate(topology).filter { $0.severity == .error }
        guard errors.isEmpty else {
            throw TestNetwork.Failure(description: "\(name): " + errors.map(\.description).joined(separator: "\n"))
        }
    }

    func root(_ host: String) -> String { "\(folder.path)/\(host)" }

    func path(_ host: String, _ hostPath: String) -> String { HostLayout(root: root(host)).resolve(hostPath) }

    /// `topology` with one more host, a copy of `template` under its own
    /// root.
    func adding(host name: String, like template: String, to topology: Topology) -> Topology {
        var changed = topology
        guard var host = topology.host(named: template) else { return changed }
        host.name = name
        host.connection = .local(root: root(name))
        changed.hosts.append(host)
        return changed
    }

    /// Reconciles `topology` onto its hosts (each host root is created
    /// first, as a provisioned server would have it).
    func apply(_ topology: Topology, commit: String) async throws -> [HostReport] {
        try Self.validate(topology, name: name)
        for host in topology.hosts {
            try FileManager.default.createDirectory(atPath: root(host.name), withIntermediateDirectories: true)
        }
        var material = keyring.material
        for (address, files) in freshKeys.withLock({ $0 }) {
            material?.sites[address] = files.tor
            material?.tls[address] = files.tls
        }
        let desired = try Renderer(identities: keyring.identities, keys: material).render(topology)
        return await Reconciler(options: ReconcileOptions(commit: commit)).apply(desired, hosts: topology.hosts)
    }

    /// `topology` with site `site` of project `project` on a new onion
    /// (key and certificate made now), so no other test in the network
    /// has published it. After the browser test had published softmap-1's
    /// onion, the topology suite's softmap-1 once took 177.8 s to answer
    /// and once never did within 300 s; the likely cause (not confirmed in
    /// tor's logs) is the HSDirs keeping the earlier descriptor, with its
    /// dead intro points, over the later one.
    func freshOnion(for topology: Topology, project: Int = 0, site: Int = 0) throws -> Topology {
        let key = OnionKey.generate()
        let certificate = try TLSCertificateFactory().makeCertificate(for: key.address, now: Date())
        freshKeys.withLock {
            $0[key.address] = (
                KeyMaterial.TorKeyFiles(
                    secretKey: key.torSecretKeyFile, publicKey: key.torPublicKeyFile, hostname: key.hostnameFile),
                KeyMaterial.TLSFiles(
                    certificate: Array(certificate.certificatePEM.utf8), key: Array(certificate.privateKeyPEM.utf8))
            )
        }
        var changed = topology
        changed.projects[project].sites[site].onion = key.address.description
        return changed
    }

    /// Every daemon under the sandbox, by pid file (tor, nginx, the
    /// publishers' tor and Onionbalance), SIGTERM then SIGKILL; then the
    /// folder goes.
    func stopAll() {
        ProcessTermination.terminate(pids())
        folder.remove()
    }

    func pids(host: String? = nil) -> [Int32] {
        let hosts = host.map { [$0] } ?? ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        return hosts.flatMap { host -> [Int32] in
            let run = root(host) + HostLayout.runDirectory
            guard let walker = FileManager.default.enumerator(atPath: run) else { return [] }
            return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".pid") }
                .compactMap { ProcessTermination.pid(inFile: run + "/" + $0) }
        }
    }

    // MARK: What the topology serves

    /// Every site of every project, once per onion (hardmap-cpu lists the
    /// same sites in two projects).
    func sites(of topology: Topology? = nil) -> [Site] {
        var seen: Set<String> = []
        return (topology ?? self.topology).projects.flatMap(\.sites).filter { seen.insert($0.onion).inserted }
    }

    /// The softmap backends: `project-host-instance` (Onionbalance's
    /// instance name) with the control socket and cookie of its tor.
    func backends(of topology: Topology? = nil) -> [SoftmapBackend] {
        (topology ?? self.topology).projects.filter { $0.mode == .softmap }.flatMap { project in
            project.placement.hosts.flatMap { host in
                (1...max(project.placement.torInstances, 1)).map { instance in
                    SoftmapBackend(
                        name: "\(project.name)-\(host)-\(instance)",
                        host: host,
                        controlSocket: path(
                            host, HostLayout.torControlSocket(project: project.name, instance: instance)),
                        cookieFile: path(host, HostLayout.torDataDirectory(project: project.name, instance: instance))
                            + "/control_auth_cookie"
                    )
                }
            }
        }
    }

    /// Each publisher's Onionbalance log, by `balancer@host`.
    func publisherLogs(of topology: Topology? = nil) -> [String: PublisherLog] {
        var logs: [String: PublisherLog] = [:]
        for balancer in (topology ?? self.topology).balancers {
            for host in balancer.hosts {
                logs["\(balancer.name)@\(host)"] = PublisherLog(
                    path: path(host, HostLayout.onionbalanceLog(balancer: balancer.name)))
            }
        }
        return logs
    }
}
