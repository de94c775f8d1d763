import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsSecrets
import OnionOpsTestSupport
import Testing

@testable import OnionOpsHosts

#if canImport(Glibc)
    import Glibc
#endif

/// The demo's edge-2 (news hardmap, shop backends, the shop-front
/// publisher) rendered with its keys into a sandbox, its daemons run for
/// real by the direct supervisor. Every tor runs with `DisableNetwork 1`:
/// nothing leaves the machine, so Onionbalance cannot publish.
@Suite("direct supervision", .enabled(if: Command.isRoot, "tor runs as debian-tor and onionbalance"), .serialized)
struct SupervisorTests {
    struct Sandbox {
        var folder: TemporaryFolder
        var host: OnionOpsCore.Host
        var desired: HostDesiredState
        var transport: LocalTransport
        var supervisor: DirectSupervisor

        func path(_ hostPath: String) -> String { HostLayout(root: host.connection.root).resolve(hostPath) }

        /// Kills whatever a failed test left running, by its pid files.
        func cleanUp() {
            let pidFiles = desired.instances.flatMap { instance -> [String] in
                switch instance {
                case .tor(let project, let index, _): [HostLayout.torPidFile(project: project, instance: index)]
                case .nginx(let project): [HostLayout.nginxPidFile(project: project)]
                case .publisher(let balancer, _):
                    [
                        HostLayout.onionbalancePidFile(balancer: balancer),
                        HostLayout.publisherTorPidFile(balancer: balancer),
                    ]
                }
            }
            for pidFile in pidFiles {
                if let pid = (try? String(contentsOfFile: path(pidFile), encoding: .utf8))?.split(separator: "\n").first
                    .flatMap({ Int32($0) })
                {
                    kill(pid, SIGKILL)
                }
            }
            folder.remove()
        }
    }

    static let shop = DaemonInstance.publisher(balancer: "shop-front", project: "shop")

    static func sandbox(_ name: String = "edge-2") async throws -> Sandbox {
        let folder = try TemporaryFolder(prefix: "oo-sup")
        let (host, desired) = try await render(name, under: folder.path)
        try FileManager.default.createDirectory(atPath: host.connection.root, withIntermediateDirectories: true)
        let transport = LocalTransport(host: host.name, root: host.connection.root)
        try await transport.apply(desired.directories.map { .makeDirectory($0) } + desired.files.map { .write($0) })
        let made = try await SupervisorFactory.make(
            transport: transport, host: host, torArguments: ["--DisableNetwork", "1"])
        let supervisor = try #require(made as? DirectSupervisor)
        return Sandbox(folder: folder, host: host, desired: desired, transport: transport, supervisor: supervisor)
    }

    /// The demo host `name` with its root under `base`, rendered with its
    /// keys (`connection` replaces its own, root included).
    static func render(_ name: String, under base: String, connection: HostConnection? = nil) async throws
        -> (OnionOpsCore.Host, HostDesiredState)
    {
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: RepositoryPaths.manifests.path))
        var topology = SandboxTree.relocate(loaded.topology, under: base)
        if let connection, let index = topology.hosts.firstIndex(where: { $0.name == name }) {
            topology.hosts[index].connection = connection
        }
        let keys = try await Keyring.open(
            for: topology,
            store: SealedKeyStore(folder: RepositoryPaths.manifests.path + "/keys"),
            identityFile: RepositoryPaths.demoIdentity.path,
            withKeyFiles: true
        )
        let host = try #require(topology.host(named: name))
        return (host, try Renderer(identities: keys.identities, keys: keys.material).render(topology, host: host))
    }

    /// nginx's worker pids, from the kernel's list of the master's children.
    static func children(of pid: Int32) -> Set<String> {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return Set(text.split(separator: " ").map(String.init))
    }

    /// A unix socket file with nobody listening: what a killed daemon leaves.
    static func staleSocket(at path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0, "bind \(path): \(String(cString: strerror(errno)))")
    }

    static func isSocket(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
    }

    @Test("tor and nginx: start (idempotent), pid, reload nginx, tor refuses a signal reload, stop")
    func torAndNginx() async throws {
        let box = try await Self.sandbox()
        defer { box.cleanUp() }
        let supervisor = box.supervisor
        #expect(supervisor.kind == .direct)
        let tor = DaemonInstance.tor(project: "news", index: 1, mode: .hardmap)
        let nginx = DaemonInstance.nginx(project: "news")

        #expect(try await supervisor.pid(tor) == nil)
        let torPid = try await supervisor.start(tor)
        #expect(try await supervisor.pid(tor) == torPid)
        #expect(try await supervisor.start(tor) == torPid, "a running instance is not started twice")
        let arguments = (try? String(contentsOfFile: "/proc/\(torPid)/cmdline", encoding: .utf8)) ?? ""
        #expect(arguments.split(separator: "\0").suffix(2) == ["--DisableNetwork", "1"])

        let nginxPid = try await supervisor.start(nginx)
        #expect(try await supervisor.pid(nginx) == nginxPid)
        // The master forks its workers after it has written its pid.
        var workers = Self.children(of: nginxPid)
        let started = Date().addingTimeInterval(10)
        while workers.isEmpty, Date() < started {
            try await Task.sleep(for: .milliseconds(50))
            workers = Self.children(of: nginxPid)
        }
        #expect(!workers.isEmpty)
        try await supervisor.reload(nginx)
        let deadline = Date().addingTimeInterval(5)
        while Self.children(of: nginxPid).isSubset(of: workers), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!Self.children(of: nginxPid).isSubset(of: workers), "a HUP starts new workers")
        #expect(try await supervisor.pid(nginx) == nginxPid, "the master survives its reload")

        await #expect(throws: HostError.self) { try await supervisor.reload(tor) }

        try await supervisor.stop(tor)
        try await supervisor.stop(nginx)
        #expect(try await supervisor.pid(tor) == nil)
        #expect(try await supervisor.pid(nginx) == nil)
        try await supervisor.stop(tor)  // not running is fine
        await #expect(throws: HostError.self) { try await supervisor.reload(nginx) }
    }

    @Test("publisher offline: its tor runs, Onionbalance cannot publish, stale sockets are removed, stop")
    func publisherOffline() async throws {
        let box = try await Self.sandbox()
        defer { box.cleanUp() }
        let supervisor = box.supervisor
        let statusSocket = box.path(HostLayout.publisherStatusSocket(balancer: "shop-front"))
        let controlSocket = box.path(HostLayout.publisherControlSocket(balancer: "shop-front"))
        try Self.staleSocket(at: statusSocket)
        try Self.staleSocket(at: controlSocket)
        // A previous run's pid (long gone) and exit record.
        try "999999\n".write(
            toFile: box.path(HostLayout.onionbalancePidFile(balancer: "shop-front")), atomically: false,
            encoding: .utf8)
        try "exit 1 pid 999999\nboom\n".write(
            toFile: box.path(HostLayout.onionbalanceExitFile(balancer: "shop-front")), atomically: false,
            encoding: .utf8)
        #expect(
            try await supervisor.publisherState(balancer: "shop-front")
                == .failed(reason: "onionbalance exited with status 1: boom"))

        let started = ContinuousClock.now
        let pid = try await supervisor.start(Self.shop)
        let elapsed = ContinuousClock.now - started
        let state = try await supervisor.publisherState(balancer: "shop-front")
        guard case .cannotPublish(let reason) = state else {
            Issue.record("expected cannotPublish, got \(state)")
            return
        }
        #expect(reason.contains("Could not open cached consensus"), "\(reason)")
        #expect(try await supervisor.pid(Self.shop) == nil, "Onionbalance (pid \(pid)) exits offline")
        #expect(elapsed < .seconds(10), "start returns once Onionbalance has exited, took \(elapsed)")

        let torPid = try #require(
            try await supervisor.readPid(HostLayout.publisherTorPidFile(balancer: "shop-front")))
        #expect(try await supervisor.isAlive(torPid))
        let owner = try FileManager.default.attributesOfItem(atPath: "/proc/\(torPid)")[.ownerAccountName] as? String
        #expect(owner == box.host.onionbalance.user, "the publisher's tor runs as Onionbalance's user")
        #expect(!FileManager.default.fileExists(atPath: statusSocket), "the stale status socket was removed")
        #expect(Self.isSocket(controlSocket))
        _ = try await TorControlConnection(socketPath: controlSocket)  // tor's new socket, not the stale one

        let log = try String(
            contentsOfFile: box.path(HostLayout.onionbalanceLog(balancer: "shop-front")), encoding: .utf8)
        #expect(log.contains("Initializing onionbalance"))

        // The observer sees the same, in its one batch of reads.
        let observed = await HostObserver(transport: box.transport, host: box.host).observe(box.desired)
        #expect(observed.unreachable == nil)
        #expect(observed.publishers.count == 1)
        let publisher = try #require(observed.publishers.first)
        #expect(publisher.balancer == "shop-front")
        #expect(publisher.torPid == torPid)
        #expect(publisher.state == state)
        #expect(publisher.status == nil)

        // Starting again restarts Onionbalance only; its tor keeps running.
        _ = try await supervisor.start(Self.shop)
        #expect(try await supervisor.readPid(HostLayout.publisherTorPidFile(balancer: "shop-front")) == torPid)
        let rotated = box.path(HostLayout.onionbalanceLog(balancer: "shop-front")) + ".1"
        #expect(FileManager.default.fileExists(atPath: rotated), "the previous run's log is kept")

        try await supervisor.stop(Self.shop)
        #expect(try await supervisor.publisherState(balancer: "shop-front") == .stopped)
        #expect(try await !supervisor.isAlive(torPid))
        try await supervisor.stop(Self.shop)
    }

    @Test("a publisher config Onionbalance rejects fails the start with its reason")
    func publisherBadConfig() async throws {
        let box = try await Self.sandbox()
        defer { box.cleanUp() }
        let config = box.path(HostLayout.publisherConfig(balancer: "shop-front"))
        let text = try String(contentsOfFile: config, encoding: .utf8)
        let broken = text.replacing(/address: [a-z2-7]{56}/, maxReplacements: 1) { _ in "address: not-an-onion" }
        try broken.write(toFile: config, atomically: false, encoding: .utf8)

        do {
            _ = try await box.supervisor.start(Self.shop)
            Issue.record("start succeeded with a bad config")
        } catch {
            #expect(error.code == .commandFailed)
            #expect(error.message.contains("Cannot load instance"), "\(error)")
        }
        let state = try await box.supervisor.publisherState(balancer: "shop-front")
        guard case .failed(let reason) = state else {
            Issue.record("expected failed, got \(state)")
            return
        }
        #expect(reason.contains("not-an-onion"), "\(reason)")
        try await box.supervisor.stop(Self.shop)
        #expect(try await box.supervisor.publisherState(balancer: "shop-front") == .stopped)
    }

    @Test("a publisher over SSH: the detached wrapper returns at once and the state reads the same")
    func publisherOverSSH() async throws {
        let sshd = try SSHTestHost(address: "127.0.0.2")
        defer { sshd.stop() }
        let (host, desired) = try await Self.render("edge-2", under: "/", connection: .ssh(sshd.connection))
        let transport = SSHTransport(
            host: host.name, connection: sshd.connection, controlDirectory: sshd.controlDirectory)
        // The system folders a real server has. (The SSH transport's
        // `mkdir -p` runs under `umask 077`: missing ones would come out
        // 0700 root, and tor, as Onionbalance's user, could not reach its
        // torrc.)
        for folder in ["/etc", "/var/lib", "/var/log", "/run"] {
            try FileManager.default.createDirectory(
                atPath: sshd.connection.root + folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: NSNumber(value: 0o755)])
        }
        try await transport.apply(desired.directories.map { .makeDirectory($0) } + desired.files.map { .write($0) })
        let supervisor = DirectSupervisor(transport: transport, host: host, torArguments: ["--DisableNetwork", "1"])
        let torPidFile = HostLayout.publisherTorPidFile(balancer: "shop-front")
        defer {
            let root = HostLayout(root: sshd.connection.root)
            for pidFile in [torPidFile, HostLayout.onionbalancePidFile(balancer: "shop-front")] {
                if let pid = (try? String(contentsOfFile: root.resolve(pidFile), encoding: .utf8))?
                    .split(separator: "\n").first.flatMap({ Int32($0) })
                {
                    kill(pid, SIGKILL)
                }
            }
        }

        let started = ContinuousClock.now
        _ = try await supervisor.start(Self.shop)
        // A wrapper that stayed attached would hold ssh until Onionbalance
        // ends; the bound catches that, with room for a loaded machine
        // (tor and Onionbalance start inside it).
        #expect(ContinuousClock.now - started < .seconds(60))
        let state = try await supervisor.publisherState(balancer: "shop-front")
        guard case .cannotPublish = state else {
            Issue.record("expected cannotPublish, got \(state)")
            return
        }
        let observed = await HostObserver(transport: transport, host: host).observe(desired)
        #expect(observed.publishers.first?.state == state)
        #expect(observed.publishers.first?.torPid != nil)
        try await supervisor.stop(Self.shop)
        #expect(try await supervisor.publisherState(balancer: "shop-front") == .stopped)
        if let torPid = try await supervisor.readPid(torPidFile) {
            #expect(try await !supervisor.isAlive(torPid))
        }
    }
}
