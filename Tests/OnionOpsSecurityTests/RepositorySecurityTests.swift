import Foundation
import OnionOpsCore
import OnionOpsGit
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Class 3 of the hardening review: someone who can push to the manifest
/// repository (but should not get root on the hosts), and someone on the
/// network path to the git server.
@Suite(
    "repository: manifest authors and the git path",
    .enabled(if: SecurityWorld.isEnabled, SecurityWorld.disabledReason), .serialized)
struct RepositorySecurityTests {
    enum Transport: String, CaseIterable, Sendable {
        case local
        case ssh
    }

    // MARK: F11: the manifest chooses what root runs

    @Test("validate refuses a daemon user that is root, at its file:line:column")
    func rootDaemonUser() throws {
        let folder = try TemporaryFolder(prefix: "oo-rsec")
        defer { folder.remove() }
        for (key, user) in [("tor", "root"), ("nginx", "'0'"), ("onionbalance", "toor")] {
            try folder.write(
                "m.yaml",
                "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  local: {root: /tmp/oo/e1}\n"
                    + "  \(key): {user: \(user)}\n")
            let run = try OnionOpsBinary.run(["validate", "m.yaml"], in: folder.path)
            let column = "  \(key): {user: ".count + 1
            let name = user.trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            #expect(run.exitCode == 1, "\(key): \(run.stdout)\(run.stderr)")
            #expect(
                run.stderr.contains("m.yaml:6:\(column): error: \(key) user '\(name)' is root (uid 0)"),
                "\(run.stderr)")
        }
    }

    /// Where the attacker's "binary" lives, and what it is.
    enum Plant: String, CaseIterable, Sendable {
        /// In a folder `nobody` owns: nobody can swap it for anything.
        case nobodyFolder = "nobody-owned folder"
        /// Root's file, but in a folder everyone can write (not sticky).
        case worldWritable = "world-writable folder"
        /// A root-owned link in a root-owned folder, pointing into a folder
        /// `nobody` owns.
        case symlink = "symlink into a nobody-owned folder"
    }

    /// Plants tor, nginx and onionbalance "binaries" that each write the
    /// canary when run; returns the folder the manifest should name.
    static func plant(_ kind: Plant, under base: String, canary: String) throws -> String {
        let script = "#!/bin/sh\necho \"ran as $(id -un): $0 $*\" >> \(canary)\nexit 0\n"
        let names = ["tor", "nginx", "onionbalance"]
        switch kind {
        case .nobodyFolder, .symlink:
            let evil = base + "/evil"
            try FileManager.default.createDirectory(atPath: evil, withIntermediateDirectories: true)
            chown(evil, 65534, 65534)
            // The attacker writes its binaries itself.
            for name in names {
                let made = try Command.run(
                    as: "nobody", "/bin/sh",
                    ["-c", "printf '%s' \"$1\" > \"$2\" && chmod 755 \"$2\"", "sh", script, evil + "/" + name])
                #expect(made.succeeded, "\(made.output)")
            }
            guard kind == .symlink else { return evil }
            let links = base + "/links"
            try FileManager.default.createDirectory(atPath: links, withIntermediateDirectories: true)
            chmod(links, 0o755)
            for name in names {
                try FileManager.default.createSymbolicLink(
                    atPath: links + "/" + name, withDestinationPath: evil + "/" + name)
            }
            return links
        case .worldWritable:
            let open = base + "/open"
            try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
            chmod(open, 0o777)
            for name in names {
                try script.write(toFile: open + "/" + name, atomically: false, encoding: .utf8)
                chmod(open + "/" + name, 0o755)
            }
            return open
        }
    }

    @Test(
        "a host whose binaries root cannot trust is refused before anything runs",
        arguments: Transport.allCases, Plant.allCases)
    func untrustedBinaries(transport: Transport, plant: Plant) throws {
        let sshd = transport == .ssh ? try SSHTestHost(address: "127.0.0.2") : nil
        defer { sshd?.stop() }
        let harness = try RepositorySecurityHarness(ssh: sshd)
        defer { harness.tearDown() }
        // Anyone may create the canary, so a run as any user would show.
        let canaryFolder = harness.folder.path + "/canary"
        try FileManager.default.createDirectory(atPath: canaryFolder, withIntermediateDirectories: true)
        chmod(canaryFolder, 0o1777)
        let canary = canaryFolder + "/ran"
        let bin = try Self.plant(plant, under: harness.folder.path, canary: canary)
        try harness.addToSpec(
            of: "edge-1",
            "  tor: {binary: \(bin)/tor}\n  nginx: {binary: \(bin)/nginx}\n  onionbalance: {binary: \(bin)/onionbalance}\n"
        )
        let validate = try OnionOpsBinary.run(["validate", harness.manifests])
        #expect(validate.exitCode == 0, "the manifest itself is valid: \(validate.stderr)")

        let run = try harness.run(["reconcile", harness.manifests, "--hosts", "edge-1"])
        SecurityWorld.report("F11 \(transport) \(plant): exit \(run.exitCode): \(run.stdout.suffix(400))")
        #expect(run.exitCode == 1, "\(run.stdout)\(run.stderr)")
        let why =
            switch plant {
            case .nobodyFolder, .symlink: "\(harness.folder.path)/evil is owned by uid 65534, not root"
            case .worldWritable: "the folder \(bin) is writable by group or others"
            }
        #expect(run.stdout.contains("refused before any daemon action: binary \(bin)/"), "\(run.stdout)")
        #expect(run.stdout.contains(why), "\(run.stdout)")
        #expect(
            !FileManager.default.fileExists(atPath: canary),
            "the planted binary ran: \((try? String(contentsOfFile: canary, encoding: .utf8)) ?? "")")
        // Refused before the first change: no config, no generation.
        let root = harness.root("edge-1")
        #expect(!FileManager.default.fileExists(atPath: root + HostLayout.nginxConfig(project: "news")))
        #expect(harness.appliedCommit("edge-1") == nil)
        #expect(!FileManager.default.fileExists(atPath: root + Generation.pendingPath))
    }

    @Test("a daemon user that is uid 0 on the host is refused there too", arguments: Transport.allCases)
    func rootUserOnHost(transport: Transport) async throws {
        let sshd = transport == .ssh ? try SSHTestHost(address: "127.0.0.2") : nil
        defer { sshd?.stop() }
        let folder = try TemporaryFolder(prefix: "oo-rsec")
        defer { folder.remove() }
        let host = OnionOpsCore.Host(
            name: "edge-1", connection: .local(root: folder.path),
            tor: DaemonSettings(binary: "/usr/sbin/tor", user: "root"),
            origin: ObjectOrigin(document: SourceLocation(file: "m.yaml", line: 1, column: 1)))
        let channel: any HostTransport =
            if let sshd {
                SSHTransport(host: "edge-1", connection: sshd.connection, controlDirectory: sshd.controlDirectory)
            } else {
                LocalTransport(host: "edge-1", root: folder.path)
            }
        let instances: [DaemonInstance] = [.tor(project: "news", index: 1, mode: .hardmap)]
        let error = await #expect(throws: HostError.self) {
            try await BinaryTrust(transport: channel, host: host, allowlist: ["/usr/sbin/tor"]).verify(instances)
        }
        #expect(error?.message.contains("user root: is uid 0") == true, "\(String(describing: error))")
        // The Debian defaults pass as installed.
        let defaults = OnionOpsCore.Host(name: "edge-1", connection: .local(root: folder.path), origin: host.origin)
        try await BinaryTrust(transport: channel, host: defaults, allowlist: []).verify(
            instances + [.nginx(project: "news"), .publisher(balancer: "b", project: "news")])
    }

    @Test("the controller's allowlist lets a listed binary through; a list others can write is refused")
    func allowlist() async throws {
        let folder = try TemporaryFolder(prefix: "oo-rsec")
        defer { folder.remove() }
        chmod(folder.path, 0o755)
        let evil = folder.path + "/evil"
        try FileManager.default.createDirectory(atPath: evil, withIntermediateDirectories: true)
        chown(evil, 65534, 65534)
        let list = try folder.write("trusted-binaries", "# deliberate\n\(evil)/nginx\n")
        chmod(list, 0o644)
        let host = OnionOpsCore.Host(
            name: "edge-1", connection: .local(root: folder.path),
            nginx: DaemonSettings(binary: evil + "/nginx", user: "www-data"),
            origin: ObjectOrigin(document: SourceLocation(file: "m.yaml", line: 1, column: 1)))
        let transport = LocalTransport(host: "edge-1", root: folder.path)
        let trusted = try BinaryTrust.controllerAllowlist(host: "edge-1", path: list)
        #expect(trusted == [evil + "/nginx"])
        try await BinaryTrust(transport: transport, host: host, allowlist: trusted).verify([.nginx(project: "news")])
        await #expect(throws: HostError.self) {
            try await BinaryTrust(transport: transport, host: host, allowlist: []).verify([.nginx(project: "news")])
        }
        // nobody could add a line to a list it can write: refused whole.
        chown(list, 65534, 65534)
        #expect(throws: HostError.self) { try BinaryTrust.controllerAllowlist(host: "edge-1", path: list) }
        chown(list, 0, 0)
        chmod(list, 0o666)
        #expect(throws: HostError.self) { try BinaryTrust.controllerAllowlist(host: "edge-1", path: list) }
    }

    // MARK: F12: testing.torOptions only on marked test hosts

    static let hostileHost = """
        apiVersion: onionops/v1
        kind: Host
        metadata: {name: prod-1}
        spec:
          ssh: {address: 192.0.2.10, user: onionops}
          testing:
            torOptions: ["TestingTorNetwork 1", "DirAuthority evil orport=5000 no-v2 v3ident=0000000000000000000000000000000000000000 203.0.113.9:7000 0000000000000000000000000000000000000000", "GeoIPFile /etc/shadow"]

        """

    @Test("testing.torOptions on an unmarked SSH host are refused at their line; marked, show and status say so")
    func testingOptionsNeedTheMark() throws {
        let folder = try TemporaryFolder(prefix: "oo-rsec")
        defer { folder.remove() }
        try folder.write("m.yaml", Self.hostileHost)
        let refused = try OnionOpsBinary.run(["validate", "m.yaml"], in: folder.path)
        SecurityWorld.report("F12 unmarked: exit \(refused.exitCode): \(refused.stderr.prefix(300))")
        #expect(refused.exitCode == 1)
        #expect(
            refused.stderr.contains("m.yaml:7:17: error: testing.torOptions are for test hosts only"),
            "\(refused.stderr)")

        try folder.write(
            "m.yaml",
            Self.hostileHost.replacingOccurrences(of: "  testing:\n", with: "  testHost: true\n  testing:\n"))
        let accepted = try OnionOpsBinary.run(["validate", "m.yaml"], in: folder.path)
        #expect(accepted.exitCode == 0, "\(accepted.stderr)")
        let show = try OnionOpsBinary.run(["show", "m.yaml"], in: folder.path)
        let line = show.stdout.split(separator: "\n").first { $0.hasPrefix("  prod-1 ") }
        #expect(line?.contains("TEST HOST (torrc: TestingTorNetwork 1; DirAuthority evil") == true, "\(show.stdout)")
        #expect(line?.contains("GeoIPFile /etc/shadow") == true)
        let json = try OnionOpsBinary.run(["show", "m.yaml", "--output", "json"], in: folder.path)
        #expect(json.stdout.contains("\"testHost\" : true"), "\(json.stdout)")

        // status on a local test host (no SSH to 192.0.2.10 from here).
        try FileManager.default.createDirectory(atPath: folder.path + "/lab", withIntermediateDirectories: true)
        try folder.write(
            "m.yaml",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: lab-1}\nspec:\n  local: {root: \(folder.path)/lab}\n"
                + "  testHost: true\n  testing: {torOptions: [\"DisableNetwork 1\"]}\n")
        let status = try OnionOpsBinary.run(["status", "m.yaml"], in: folder.path)
        #expect(status.stdout.contains("lab-1: never applied  TEST HOST (torrc: DisableNetwork 1)"), "\(status.stdout)")
        let statusJSON = try OnionOpsBinary.run(["status", "m.yaml", "--output", "json"], in: folder.path)
        #expect(statusJSON.stdout.contains("\"testHost\" : true"), "\(statusJSON.stdout)")
    }

    // MARK: F17: a force-push to an older signed commit

    @Test(
        "a force-push back to an older signed commit is refused by reconcile, drift and watch; the override applies it, logged"
    )
    func forcePushRollback() throws {
        let sshd = try SSHTestHost(address: "127.0.0.2")
        defer { sshd.stop() }
        let harness = try RepositorySecurityHarness(ssh: sshd)
        defer { harness.tearDown() }
        let repo = try RepositorySecurityHarness.Repository(harness: harness)
        let state = harness.folder.path + "/state"
        let git = [
            "--repo", repo.bare, "--branch", "main", "--path", "manifests", "--state", state, "--require-signed",
            "--allowed-signers", repo.allowedSigners,
        ]

        let commitA = try repo.commitAndPush("A")
        var run = try harness.run(["reconcile"] + git)
        #expect(run.exitCode == 0, "\(run.stdout)\(run.stderr)")
        try repo.edit("projects.yaml") {
            $0.replacingOccurrences(of: "value: onionops-demo}", with: "value: onionops-demo-2}")
        }
        let commitB = try repo.commitAndPush("B")
        run = try harness.run(["reconcile"] + git)
        #expect(run.exitCode == 0, "\(run.stdout)\(run.stderr)")
        for host in ["edge-1", "edge-2"] { #expect(harness.appliedCommit(host) == commitB) }
        let configB = harness.read("edge-1", HostLayout.nginxConfig(project: "news"))
        #expect(configB?.contains("onionops-demo-2") == true)

        // The attacker (or a mistake) moves main back to the older, signed A.
        try repo.forcePush(commitA)
        run = try harness.run(["reconcile"] + git)
        SecurityWorld.report("F17 reconcile after force-push: exit \(run.exitCode): \(run.stderr.suffix(300))")
        #expect(run.exitCode == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("commit \(commitA.prefix(12)) on main does not descend from \(commitB.prefix(12))"))
        let drift = try harness.run(["drift"] + git)
        #expect(drift.exitCode == 1, "\(drift.stdout)\(drift.stderr)")
        #expect(drift.stderr.contains("does not descend"), "\(drift.stderr)")
        let watch = try harness.watch(git + ["--interval", "3600", "--drift-interval", "3600"])
        #expect(harness.wait(60) { watch.log.contains("does not descend from \(commitB.prefix(12))") }, "\(watch.log)")
        #expect(harness.get("/metrics").contains("onionops_revisions_refused_total{reason=\"not-descendant\"} 1"))
        watch.stop()
        for host in ["edge-1", "edge-2"] { #expect(harness.appliedCommit(host) == commitB, "\(host) stays on B") }
        #expect(harness.read("edge-1", HostLayout.nginxConfig(project: "news")) == configB)

        // On purpose: applied, and said so.
        run = try harness.run(["reconcile"] + git + ["--allow-non-descendant"])
        #expect(run.exitCode == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("warning: commit \(commitA.prefix(12)) on main does not descend"), "\(run.stderr)")
        #expect(run.stderr.contains("applied anyway (--allow-non-descendant)"))
        for host in ["edge-1", "edge-2"] { #expect(harness.appliedCommit(host) == commitA) }
    }

    @Test("http:// and git:// remotes are refused unless signatures are required")
    func plaintextRemotes() throws {
        let folder = try TemporaryFolder(prefix: "oo-rsec")
        defer { folder.remove() }
        for url in ["http://127.0.0.1:9/ops.git", "git://127.0.0.1:9/ops.git", "HTTP://127.0.0.1:9/ops.git"] {
            for command in ["reconcile", "drift"] {
                let run = try OnionOpsBinary.run([command, "--repo", url, "--state", folder.path + "/state"])
                #expect(run.exitCode != 0, "\(command) \(url)")
                #expect(run.stderr.contains("http:// and git:// authenticate nothing"), "\(command): \(run.stderr)")
            }
            // watch must refuse to start, not poll the remote forever.
            let watch = try BackgroundProcess(
                OnionOpsBinary.url.path,
                [
                    "watch", "--repo", url, "--state", folder.path + "/state", "--listen",
                    "127.0.0.1:\(Int.random(in: 20_000..<60_000))",
                ],
                log: folder.path + "/watch.log")
            let exited = watch.wait(upTo: 10) { false } || !watch.isRunning
            watch.kill()
            #expect(exited && watch.exitStatus != 0, "watch \(url) kept running: \(watch.log)")
            #expect(watch.log.contains("http:// and git:// authenticate nothing"), "\(watch.log)")
            // The library refuses too, whoever calls it.
            #expect(throws: GitError.self) {
                _ = try GitRepository.sync(url: url, cacheDirectory: folder.path + "/cache")
            }
        }
        // With signatures required, the transport may be plain: the fetch
        // is tried (and fails here: nothing listens).
        try "ops@example.org ssh-ed25519 AAAA\n".write(
            toFile: folder.path + "/signers", atomically: true, encoding: .utf8)
        let signed = try OnionOpsBinary.run([
            "reconcile", "--repo", "http://127.0.0.1:9/ops.git", "--state", folder.path + "/state",
            "--require-signed", "--allowed-signers", folder.path + "/signers",
        ])
        #expect(signed.exitCode == 1)
        #expect(!signed.stderr.contains("authenticate nothing"), "\(signed.stderr)")
    }
}
