import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsManifest
import OnionOpsRender
import OnionOpsSecrets
import OnionOpsTestSupport
import Testing

/// The demo's edge-1, rendered with its sealed keys into a sandbox, with
/// the news project's tor (offline) and nginx running for real: the
/// observer reports their pids, tor's version, the onions the hostnames
/// hold, no drift; then a hand edit shows up as drift.
@Suite("observing a host", .enabled(if: Command.isRoot, "tor runs as debian-tor"), .serialized)
struct ObserverTests {
    @Test("pids, onions, hashes and drift")
    func observe() async throws {
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: RepositoryPaths.manifests.path))
        let folder = try TemporaryFolder(prefix: "oo-obs")
        defer { folder.remove() }
        let topology = SandboxTree.relocate(loaded.topology, under: folder.path)
        let keys = try await Keyring.open(
            for: topology,
            store: SealedKeyStore(folder: RepositoryPaths.manifests.path + "/keys"),
            identityFile: RepositoryPaths.demoIdentity.path,
            withKeyFiles: true
        )
        let host = try #require(topology.host(named: "edge-1"))
        let desired = try Renderer(identities: keys.identities, keys: keys.material).render(topology, host: host)
        try FileManager.default.createDirectory(atPath: host.connection.root, withIntermediateDirectories: true)
        let transport = LocalTransport(host: host.name, root: host.connection.root)
        try await transport.apply(desired.directories.map { .makeDirectory($0) } + desired.files.map { .write($0) })

        let supervisor = DirectSupervisor(transport: transport, host: host)
        let torPid = try await supervisor.startTor(
            project: "news", instance: 1, extraArguments: ["--DisableNetwork", "1"])
        let nginxPid = try await supervisor.startNginx(project: "news")
        defer {
            for pidFile in [
                HostLayout.torPidFile(project: "news", instance: 1), HostLayout.nginxPidFile(project: "news"),
            ] {
                if let pid = try? String(
                    contentsOfFile: HostLayout(root: host.connection.root).resolve(pidFile), encoding: .utf8
                )
                .split(separator: "\n").first.flatMap({ Int32($0) }) {
                    kill(pid, SIGKILL)
                }
            }
        }

        let observer = HostObserver(transport: transport, host: host)
        let observed = await observer.observe(desired)
        #expect(observed.unreachable == nil)
        let news = try #require(observed.tor.first { $0.project == "news" })
        #expect(news.pid == torPid)
        #expect(news.version?.hasPrefix("0.4") == true)
        let expected = Set(topology.project(named: "news")?.sites.map(\.onion) ?? [])
        #expect(Set(news.hostnames.values) == expected)
        #expect(observed.nginx["news"] == .some(nginxPid))
        #expect(observed.nginx["shop"] == .some(nil), "shop's nginx was not started")
        #expect(observed.drift == [], "\(observed.drift)")
        #expect(observed.files.count == desired.directories.count + desired.files.count)

        let config = HostLayout(root: host.connection.root).resolve(HostLayout.nginxConfig(project: "news"))
        try "# edited by hand\n".write(toFile: config, atomically: false, encoding: .utf8)
        let drifted = await observer.observe(desired)
        #expect(drifted.drift.map(\.path) == [HostLayout.nginxConfig(project: "news")])
        #expect(drifted.drift.first?.kind == .contentChanged)

        try await supervisor.stop(.tor(project: "news", index: 1, mode: .hardmap))
        try await supervisor.stop(.nginx(project: "news"))
        #expect(try await !supervisor.isAlive(torPid))
    }
}
