import Foundation
import OnionOpsHosts
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A private Tor network on 127.0.0.1 (or another address of this
/// machine), offline: 3 directory authorities,
/// 3 relays (Onionbalance 0.2.2 needs at least 6 HSDirs, and authorities
/// count) and 1 client, made the way shared/TEST-NETWORK.md measured it.
///
/// `start` generates the authorities' keys, writes every torrc, places the
/// first vote about 5 s after launch, starts authorities and relays,
/// waits until an authority serves a microdesc consensus that lists every
/// node, then starts the client and waits for its bootstrap to reach 100%.
/// Tors under test join with `serviceTorOptions` and are reached through
/// `client`. `stop` ends every node by its pid file (SIGTERM, then SIGKILL:
/// tor sometimes hangs on SIGTERM). Every wait is bounded.
public final class TestNetwork: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// The network's folder: short (/tmp/oo-tn-xxxxxxxx), because control
    /// sockets under it must fit in 107 bytes.
    public let folder: TemporaryFolder
    public let authorities: [TestNetworkNode]
    public let relays: [TestNetworkNode]
    public let clientNode: TestNetworkNode
    /// The Onionbalance stand-in for test hosts' `spec.onionbalance.binary`.
    public let onionbalanceLauncher: String
    /// Seconds from `start` until the consensus listed every node, and
    /// until the client bootstrapped.
    public let consensusSeconds: Double
    public let bootstrapSeconds: Double
    private let stopped = Mutex(false)

    private init(
        folder: TemporaryFolder, authorities: [TestNetworkNode], relays: [TestNetworkNode], client: TestNetworkNode,
        launcher: String, consensusSeconds: Double, bootstrapSeconds: Double
    ) {
        self.folder = folder
        self.authorities = authorities
        self.relays = relays
        self.clientNode = client
        self.onionbalanceLauncher = launcher
        self.consensusSeconds = consensusSeconds
        self.bootstrapSeconds = bootstrapSeconds
    }

    public var nodes: [TestNetworkNode] { authorities + relays + [clientNode] }

    /// The three `DirAuthority` lines every tor of the network needs.
    public var dirAuthorityLines: [String] { authorities.compactMap(\.dirAuthorityLine) }

    /// What a tor under test needs to join (a host's
    /// `spec.testing.torOptions`): `TestingTorNetwork 1`, the authorities,
    /// and the same small settings as the nodes. All on the allow-list.
    public var serviceTorOptions: [String] { TestNetworkNode.commonOptions(dirAuthorities: dirAuthorityLines) }

    public var client: OnionClient {
        OnionClient(
            socksPort: clientNode.socksPort ?? 0, controlSocket: clientNode.controlSocket,
            cookieFile: clientNode.cookieFile)
    }

    // MARK: Start

    /// Builds and starts the network; on any failure every node started so
    /// far is stopped and the folder removed.
    /// `owner`: the process whose end stops every node (tor's
    /// `__OwningControllerProcess`); this process by default, a longer-lived
    /// one for `make demo`.
    /// `address`: where authorities and relays listen and what they
    /// publish; another machine address than 127.0.0.1 lets tors in
    /// systemd containers join (it must exist on this machine).
    public static func start(
        relayCount: Int = 3, timeoutSeconds: Double = 120, owner: Int32? = nil, address: String = "127.0.0.1"
    ) async throws -> TestNetwork {
        let begin = Date()
        let folder = try TemporaryFolder(prefix: "oo-tn")
        let authorityCount = 3
        let ports = try TestNetworkPorts.allocate(authorityCount * 2 + relayCount + 1, on: [address])
        var authorities = (0..<authorityCount).map { index in
            TestNetworkNode(
                role: .authority, nickname: "ooauth\(index)", directory: folder.path + "/a\(index)",
                orPort: ports[index * 2], dirPort: ports[index * 2 + 1], address: address)
        }
        let relays = (0..<relayCount).map { index in
            TestNetworkNode(
                role: .relay, nickname: "oorelay\(index)", directory: folder.path + "/r\(index)",
                orPort: ports[authorityCount * 2 + index], address: address)
        }
        let client = TestNetworkNode(
            role: .client, nickname: "ooclient", directory: folder.path + "/c", socksPort: ports[ports.count - 1])
        do {
            for node in authorities + relays + [client] { try makePrivateDirectory(node.directory) }
            try generateAuthorityKeys(&authorities, scratch: folder.path)
            let launcher = try OnionbalanceTestnetLauncher.write(to: folder.path + "/onionbalance-testnet")

            let lines = authorities.compactMap(\.dirAuthorityLine)
            let guards = authorities.compactMap(\.fingerprint)
            // The first vote about 5 s after launch: vote at the interval
            // start minus 8 s (4 s vote + 4 s distribution delay).
            let offset = (Int(Date().timeIntervalSince1970) + 13) % 20
            for node in authorities + relays + [client] {
                let torrc = node.torrc(
                    dirAuthorities: lines, guards: guards, votingOffset: offset, owner: owner ?? getpid())
                try Data(torrc.utf8).write(to: URL(fileURLWithPath: node.torrcPath))
            }
            for node in authorities + relays { try startTor(node) }
            let nicknames = (authorities + relays).map(\.nickname)
            try await waitForConsensus(from: authorities, listing: nicknames, timeoutSeconds: timeoutSeconds)
            let consensusSeconds = Date().timeIntervalSince(begin)

            // Only now: a client started before the consensus stalls 10-35 s.
            try startTor(client)
            try await waitForBootstrap(client, timeoutSeconds: timeoutSeconds)
            return TestNetwork(
                folder: folder, authorities: authorities, relays: relays, client: client, launcher: launcher,
                consensusSeconds: consensusSeconds, bootstrapSeconds: Date().timeIntervalSince(begin))
        } catch {
            // Whatever got as far as a pid file, started or half-started.
            let nodes = authorities + relays + [client]
            ProcessTermination.terminate(nodes.compactMap { ProcessTermination.pid(inFile: $0.pidFile) })
            folder.remove()
            throw error
        }
    }

    /// Stops every node (idempotent) and removes the folder.
    public func stop() {
        let first = stopped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        ProcessTermination.terminate(nodes.compactMap { ProcessTermination.pid(inFile: $0.pidFile) })
        folder.remove()
    }

    /// The last lines of a node's notice log, for failure messages.
    public static func tail(_ path: String, lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    // MARK: Steps

    private static func makePrivateDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
    }

    /// tor-gencert for every authority at once (about 1.3 s each), the
    /// passphrase on stdin (it has no no-passphrase flag); then each
    /// authority's relay fingerprint.
    private static func generateAuthorityKeys(_ authorities: inout [TestNetworkNode], scratch: String) throws {
        let passphrase = scratch + "/passphrase"
        try Data("onionops-test-network\n".utf8).write(to: URL(fileURLWithPath: passphrase))
        defer { try? FileManager.default.removeItem(atPath: passphrase) }
        var running: [(index: Int, pid: Int32)] = []
        for (index, node) in authorities.enumerated() {
            try makePrivateDirectory(node.keysDirectory)
            let keys = node.keysDirectory
            let log = node.directory + "/tor-gencert.log"
            let pid = try Spawn.start(
                "/usr/bin/tor-gencert",
                [
                    "--create-identity-key", "--passphrase-fd", "0", "-m", "12",
                    "-a", "\(node.address):\(node.dirPort ?? 0)",
                    "-i", keys + "/authority_identity_key", "-s", keys + "/authority_signing_key",
                    "-c", keys + "/authority_certificate",
                ],
                stdinPath: passphrase, stdoutPath: log, stderrPath: log)
            running.append((index, pid))
        }
        for (index, pid) in running {
            let node = authorities[index]
            let status = try BoundedSpawn.wait(pid, name: "tor-gencert", seconds: 30)
            let certificate =
                (try? String(contentsOfFile: node.keysDirectory + "/authority_certificate", encoding: .utf8))
            let fingerprintLine = certificate?.split(separator: "\n").first { $0.hasPrefix("fingerprint ") }
            guard status == 0, let fingerprintLine else {
                throw Failure(
                    description: "tor-gencert for \(node.nickname) failed (\(status)): "
                        + tail(node.directory + "/tor-gencert.log"))
            }
            authorities[index].v3Identity = String(fingerprintLine.dropFirst("fingerprint ".count))
            authorities[index].fingerprint = try relayFingerprint(node)
        }
    }

    /// `tor --list-fingerprint` in the node's DataDirectory (creating its
    /// relay keys there): the last line, spaces removed, without the name.
    private static func relayFingerprint(_ node: TestNetworkNode) throws -> String {
        let log = node.directory + "/fingerprint.log"
        let status = try BoundedSpawn.run(
            "/usr/sbin/tor",
            [
                "--list-fingerprint", "--ignore-missing-torrc", "-f", "/dev/null", "--DataDirectory", node.directory,
                "--ORPort", String(node.orPort ?? 0), "--Nickname", node.nickname,
            ],
            log: log, seconds: 30)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        let words = last.split(separator: " ")
        let fingerprint = words.dropFirst().joined()
        guard status == 0, words.first.map(String.init) == node.nickname, fingerprint.count == 40 else {
            throw Failure(description: "no fingerprint for \(node.nickname) (\(status)): \(output)")
        }
        return fingerprint
    }

    /// tor daemonizes (RunAsDaemon 1): the command returns when the daemon
    /// is up or has failed, and the pid file names the daemon.
    private static func startTor(_ node: TestNetworkNode) throws {
        let log = node.directory + "/stdout.log"
        // The parent returns once the daemon has set up (seconds at most).
        let status = try BoundedSpawn.run("/usr/sbin/tor", ["-f", node.torrcPath], log: log, seconds: 30)
        guard status == 0 else {
            throw Failure(description: "tor \(node.nickname) did not start (\(status)): \(tail(log))")
        }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let pid = ProcessTermination.pid(inFile: node.pidFile), ProcessTermination.isAlive(pid) { return }
            usleep(20_000)
        }
        throw Failure(description: "tor \(node.nickname) wrote no live pid: \(tail(node.logFile))")
    }

    /// Polls the authorities' microdesc consensus until one lists every
    /// node (about 13 s after launch).
    private static func waitForConsensus(
        from authorities: [TestNetworkNode], listing nicknames: [String], timeoutSeconds: Double
    ) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var missing = nicknames
        while Date() < deadline {
            for authority in authorities {
                let url =
                    "http://\(authority.address):\(authority.dirPort ?? 0)/tor/status-vote/current/consensus-microdesc"
                guard let result = try? Command.capture("/usr/bin/curl", ["-s", "--max-time", "3", url]),
                    result.exitCode == 0
                else { continue }
                let listed = Set(
                    result.stdout.split(separator: "\n").filter { $0.hasPrefix("r ") }.compactMap {
                        $0.split(separator: " ").dropFirst().first.map(String.init)
                    })
                missing = nicknames.filter { !listed.contains($0) }
                if missing.isEmpty { return }
            }
            try await Task.sleep(for: .seconds(1))
        }
        let authority = authorities.first.map { tail($0.logFile) } ?? ""
        throw Failure(
            description: "no consensus listing every node after \(Int(timeoutSeconds)) s (missing \(missing)): "
                + authority)
    }

    private static func waitForBootstrap(_ node: TestNetworkNode, timeoutSeconds: Double) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var progress: Int?
        while Date() < deadline {
            progress = TorControlProbe.bootstrapProgress(socket: node.controlSocket, cookie: node.cookieFile)
            if progress == 100 { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw Failure(
            description: "\(node.nickname) bootstrapped only \(progress ?? 0)% after \(Int(timeoutSeconds)) s: "
                + tail(node.logFile))
    }
}
