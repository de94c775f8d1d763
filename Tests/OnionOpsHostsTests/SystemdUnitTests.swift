import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsTestSupport
import Testing

@testable import OnionOpsHosts
@testable import OnionOpsRender

/// A host transport that answers commands from a script and records them:
/// systemd does not run on this machine, so `systemctl` cannot be driven
/// for real here.
actor ScriptedTransport: HostTransport {
    nonisolated let host = "scripted"
    private(set) var commands: [[String]] = []
    private let answer: @Sendable ([String]) -> CommandOutput

    init(answer: @escaping @Sendable ([String]) -> CommandOutput) {
        self.answer = answer
    }

    static func ok(_ stdout: String = "") -> CommandOutput {
        CommandOutput(exitCode: 0, stdout: Array(stdout.utf8), stderr: "")
    }

    func stat(_ paths: [String]) async throws(HostError) -> [String: FileStatus] { [:] }
    func read(_ paths: [String]) async throws(HostError) -> [String: [UInt8]] { [:] }
    func apply(_ operations: [HostOperation]) async throws(HostError) {}

    func run(_ command: [String], input: [UInt8]) async throws(HostError) -> CommandOutput {
        commands.append(command)
        return answer(command)
    }

    func lock(owner: String) async throws(HostError) -> HostLock {
        HostLock(owner: owner, pid: 1, startedAt: 0, machine: "scripted")
    }

    func unlock(_ lock: HostLock) async throws(HostError) {}
    func forwardSocket(_ path: String) async throws(HostError) -> String { path }
    func releaseSocket(_ localPath: String) async {}
}

/// The units rendered for the demo's edge-2 as if it were a real server
/// (root `/`), checked by `systemd-analyze verify` (which works offline on
/// unit files) and against the renderer's run folders; supervision
/// detection; and the `systemctl` conversation, against a scripted host.
@Suite("systemd units and detection")
struct SystemdUnitTests {
    static func server() async throws -> (Topology, OnionOpsCore.Host) {
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: RepositoryPaths.manifests.path))
        var topology = loaded.topology
        let index = try #require(topology.hosts.firstIndex { $0.name == "edge-2" })
        topology.hosts[index].connection = .local(root: "/")
        topology.hosts[index].supervision = .systemd
        return (topology, topology.hosts[index])
    }

    static func units() async throws -> [ManagedFile] {
        let (topology, host) = try await server()
        return SystemdUnitRenderer.units(for: host, instances: topology.instances(on: host.name))
    }

    static func unit(_ name: String, in files: [ManagedFile]) throws -> String {
        try #require(files.first { $0.path == HostLayout.systemdUnitPath(name) }).text
    }

    @Test("one unit per daemon, two per publisher, in OnionOps' own folder, 0644 root")
    func files() async throws {
        let files = try await Self.units()
        #expect(
            files.map(\.path)
                == [
                    "onionops-tor-news-1.service", "onionops-nginx-news.service", "onionops-tor-shop-1.service",
                    "onionops-tor-shop-2.service", "onionops-nginx-shop.service", "onionops-obtor-shop-front.service",
                    "onionops-ob-shop-front.service",
                ].map { "/etc/onionops/systemd/" + $0 })
        #expect(files.allSatisfy { $0.mode == 0o644 && $0.owner == "root" && !$0.isSecret })
        #expect(files.last?.instance == .publisher(balancer: "shop-front", project: "shop"))
    }

    @Test("a tor unit, whole")
    func torUnit() async throws {
        let text = try Self.unit("onionops-tor-news-1.service", in: try await Self.units())
        #expect(
            text == """
                # Managed by OnionOps: tor-news-1 (systemd unit), host edge-2.
                # Rendered from the manifests; edits here are overwritten.

                [Unit]
                Description=OnionOps tor-news-1: tor instance 1 of project news
                Wants=network-online.target
                After=network-online.target

                [Service]
                Type=notify
                NotifyAccess=all
                User=debian-tor
                ExecStartPre=+/usr/bin/install -d -m 0755 -o root /run/onionops /run/onionops/p /run/onionops/p/news
                ExecStartPre=+/usr/bin/install -d -m 0700 -o debian-tor /run/onionops/p/news/tor1
                ExecStartPre=/bin/rm -f /run/onionops/p/news/tor1/control.sock
                ExecStartPre=/usr/sbin/tor -f /etc/onionops/projects/news/tor1.torrc --RunAsDaemon 0 \
                --verify-config --hush
                ExecStart=/usr/sbin/tor -f /etc/onionops/projects/news/tor1.torrc --RunAsDaemon 0
                TimeoutStopSec=5
                Restart=on-failure
                RestartSec=5
                LimitNOFILE=65536
                NoNewPrivileges=yes
                ProtectSystem=strict
                ProtectHome=yes
                PrivateTmp=yes
                PrivateDevices=yes
                ReadWritePaths=-/var/lib/onionops/p/news/tor1 -/run/onionops/p/news/tor1
                CapabilityBoundingSet=
                ProtectKernelTunables=yes
                ProtectKernelModules=yes
                ProtectKernelLogs=yes
                ProtectControlGroups=yes
                ProtectClock=yes
                ProtectHostname=yes
                RestrictNamespaces=yes
                RestrictRealtime=yes
                RestrictSUIDSGID=yes
                LockPersonality=yes
                RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
                SystemCallArchitectures=native

                [Install]
                WantedBy=multi-user.target

                """)
    }

    @Test("nginx forks with a pid file and reloads with a HUP; Onionbalance needs its tor and reloads with a HUP")
    func nginxAndOnionbalance() async throws {
        let files = try await Self.units()
        let nginx = try Self.unit("onionops-nginx-news.service", in: files).split(separator: "\n").map(String.init)
        #expect(nginx.contains("Type=forking"))
        #expect(nginx.contains("PIDFile=/run/onionops/p/news/nginx.pid"))
        #expect(nginx.contains("ExecStart=/usr/sbin/nginx -c /etc/onionops/projects/news/nginx.conf -p /"))
        #expect(nginx.contains("ExecStartPre=/usr/sbin/nginx -t -q -c /etc/onionops/projects/news/nginx.conf -p /"))
        #expect(
            nginx.contains("ExecStartPre=/bin/rm -f /run/onionops/p/news/nx/p80.sock /run/onionops/p/news/nx/p443.sock")
        )
        #expect(nginx.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        #expect(!nginx.contains { $0.hasPrefix("User=") }, "the master runs as root")

        let obtor = try Self.unit("onionops-obtor-shop-front.service", in: files).split(separator: "\n").map(
            String.init)
        #expect(obtor.contains("User=onionbalance"))
        #expect(
            obtor.contains("ExecStart=/usr/sbin/tor -f /etc/onionops/balancers/shop-front/tor.torrc --RunAsDaemon 0"))
        #expect(!obtor.contains { $0.hasPrefix("ExecReload=") })

        let ob = try Self.unit("onionops-ob-shop-front.service", in: files).split(separator: "\n").map(String.init)
        for line in [
            "Requires=onionops-obtor-shop-front.service", "After=onionops-obtor-shop-front.service", "Type=simple",
            "User=onionbalance",
            "ExecStart=/usr/sbin/onionbalance -c /etc/onionops/balancers/shop-front/config.yaml"
                + " -s /run/onionops/b/shop-front/tor/control.sock",
            "ExecReload=/bin/kill -HUP $MAINPID",
            "ExecStartPre=+/bin/rm -f /run/onionops/b/shop-front/ob/status.sock"
                + " /run/onionops/b/shop-front/onionbalance.pid /run/onionops/b/shop-front/onionbalance.exit",
            "StandardError=append:/var/log/onionops/b/shop-front/onionbalance.log",
            "Restart=on-failure",
        ] {
            #expect(ob.contains(line), "missing: \(line)")
        }
        #expect(ob.contains { $0.hasPrefix("ExecStartPost=+/bin/sh -c ") && $0.contains("$$MAINPID") })
        // StandardOutput=append: applies to ExecStartPre= too: a unit that
        // made its own log folder failed with 209/STDOUT on a real systemd.
        #expect(!ob.contains { $0.hasPrefix("ExecStartPre=") && $0.hasSuffix(" /var/log/onionops/b/shop-front") })
        #expect(ob.contains { $0.hasPrefix("ExecStopPost=+/bin/sh -c ") && $0.contains("exit $$EXIT_STATUS pid $$p") })
    }

    @Test("every /run folder the renderer makes is recreated by the units with its mode and owner")
    func runFolders() async throws {
        let (topology, host) = try await Self.server()
        let desired = try Renderer(identities: TestBackendIdentities()).render(topology, host: host)
        var made: [String: (mode: String, owner: String)] = [:]
        for file in SystemdUnitRenderer.units(for: host, instances: desired.instances) {
            for line in file.text.split(separator: "\n") where line.hasPrefix("ExecStartPre=+/usr/bin/install -d ") {
                let words = line.split(separator: " ").map(String.init)
                try #require(words.count > 6 && words[2] == "-m" && words[4] == "-o")
                for path in words[6...] {
                    if let earlier = made[path] {
                        #expect(earlier == (words[3], words[5]), "\(path) made two ways")
                    }
                    made[path] = (words[3], words[5])
                }
            }
        }
        let runFolders = desired.directories.filter { $0.path.hasPrefix(HostLayout.runDirectory) }
        #expect(runFolders.count >= 8)
        for folder in runFolders {
            let mode = "0" + String(folder.mode, radix: 8)
            #expect(
                made[folder.path].map { $0 == (mode, folder.owner) } == true, "\(folder.path) \(mode) \(folder.owner)")
        }
    }

    @Test(
        "systemd-analyze verify accepts every unit",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"))
    )
    func analyzeVerify() async throws {
        let folder = try TemporaryFolder(prefix: "oo-units")
        defer { folder.remove() }
        var paths: [String] = []
        for file in try await Self.units() {
            paths.append(try folder.write((file.path as NSString).lastPathComponent, file.text))
        }
        // Unknown keys and bad values are warnings with exit 0: no output at
        // all is the bar.
        let result = try Command.capture("/usr/bin/systemd-analyze", ["verify"] + paths)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(result.stdout)\(result.stderr)")

        // The same check catches a broken unit.
        let broken = try folder.write("onionops-broken.service", "[Service]\nType=notifyx\nExecStart=/usr/sbin/tor\n")
        let refused = try Command.capture("/usr/bin/systemd-analyze", ["verify", broken])
        #expect(refused.stderr.contains("Failed to parse service type"), "\(refused.stderr)")
    }

    @Test("words are quoted the way systemd reads them back")
    func quoting() {
        #expect(SystemdUnitRenderer.word("/run/onionops/p/news") == "/run/onionops/p/news")
        #expect(SystemdUnitRenderer.word("a b") == "\"a b\"")
        #expect(SystemdUnitRenderer.word("100%$x\"") == "\"100%%$$x\\\"\"")
        #expect(SystemdUnitRenderer.word("") == "\"\"")
    }

    // MARK: Detection

    @Test("detect: direct on this machine (no /run/systemd/system) and on any sandbox root")
    func detectHere() async throws {
        let (_, server) = try await Self.server()
        var host = server
        host.supervision = .auto
        let local = LocalTransport(host: host.name, root: "/")
        let expected: Supervision = FileManager.default.fileExists(atPath: "/run/systemd/system") ? .systemd : .direct
        #expect(try await SupervisorFactory.detect(transport: local, host: host) == expected)
        #expect(expected == .direct, "this machine runs no systemd")

        // A sandbox is direct without asking the machine: even a host that
        // claims systemd runs.
        let yes = ScriptedTransport { _ in ScriptedTransport.ok() }
        host.connection = .local(root: "/tmp/oo-sandbox")
        #expect(try await SupervisorFactory.detect(transport: yes, host: host) == .direct)
        #expect(await yes.commands.isEmpty)
        #expect(try await SupervisorFactory.make(transport: yes, host: host).kind == .direct)
    }

    @Test("detect: systemd when the real machine's /run/systemd/system exists, checked without the root prefix")
    func detectSystemd() async throws {
        let (_, server) = try await Self.server()
        var host = server
        host.supervision = .auto
        let yes = ScriptedTransport { _ in ScriptedTransport.ok() }
        #expect(try await SupervisorFactory.detect(transport: yes, host: host) == .systemd)
        #expect(await yes.commands == [["/usr/bin/test", "-d", "/run/systemd/system"]])
        #expect(try await SupervisorFactory.make(transport: yes, host: host) is SystemdSupervisor)

        let no = ScriptedTransport { _ in CommandOutput(exitCode: 1, stdout: [], stderr: "") }
        #expect(try await SupervisorFactory.resolve(transport: no, host: host) == .direct)

        // Given supervision is taken as it is, without asking.
        host.supervision = .systemd
        let silent = ScriptedTransport { _ in CommandOutput(exitCode: 1, stdout: [], stderr: "") }
        #expect(try await SupervisorFactory.resolve(transport: silent, host: host) == .systemd)
        host.supervision = .direct
        #expect(try await SupervisorFactory.resolve(transport: silent, host: host) == .direct)
        #expect(await silent.commands.isEmpty)
    }

    // MARK: systemctl

    @Test("systemd supervisor: links, reloads and enables a new unit before starting it, then reads MainPID")
    func systemctlStart() async throws {
        let (_, host) = try await Self.server()
        let transport = ScriptedTransport { command in
            switch command.dropFirst().first {
            case "show" where command.contains("MainPID"): ScriptedTransport.ok("MainPID=4242\n")
            case "show": ScriptedTransport.ok("LoadState=not-found\nNeedDaemonReload=no\nUnitFileState=\n")
            default: ScriptedTransport.ok()
            }
        }
        let supervisor = SystemdSupervisor(transport: transport, host: host)
        #expect(supervisor.kind == .systemd)
        let pid = try await supervisor.start(.tor(project: "news", index: 1, mode: .hardmap))
        #expect(pid == 4242)
        let unit = "onionops-tor-news-1.service"
        #expect(
            await transport.commands == [
                [
                    "/usr/bin/systemctl", "show", "-p", "LoadState", "-p", "NeedDaemonReload", "-p", "UnitFileState",
                    "--", unit,
                ],
                ["/usr/bin/systemctl", "link", "/etc/onionops/systemd/" + unit],
                ["/usr/bin/systemctl", "daemon-reload"],
                // Enabled, so a reboot starts it again without a reconcile.
                ["/usr/bin/systemctl", "enable", unit],
                ["/usr/bin/systemctl", "start", unit],
                ["/usr/bin/systemctl", "show", "-p", "MainPID", "--", unit],
            ])
    }

    @Test(
        "systemd supervisor: stop dependents first, disable what it stopped, skip unknown units; reload; MainPID 0 is not running"
    )
    func systemctlStopReloadPid() async throws {
        let (_, host) = try await Self.server()
        let transport = ScriptedTransport { command in
            switch command.dropFirst().first {
            case "show" where command.contains("MainPID"): ScriptedTransport.ok("MainPID=0\n")
            case "show" where command.contains("onionops-tor-news-1.service"):
                ScriptedTransport.ok("LoadState=not-found\n")
            case "show": ScriptedTransport.ok("LoadState=loaded\n\nLoadState=loaded\n")
            case "reload" where command.contains("onionops-tor-news-1.service"):
                CommandOutput(exitCode: 1, stdout: [], stderr: "Job type reload is not applicable")
            default: ScriptedTransport.ok()
            }
        }
        let supervisor = SystemdSupervisor(transport: transport, host: host)
        try await supervisor.stop(.publisher(balancer: "shop-front", project: "shop"))
        try await supervisor.stop(.tor(project: "news", index: 1, mode: .hardmap))
        try await supervisor.reload(.nginx(project: "news"))
        await #expect(throws: HostError.self) {
            try await supervisor.reload(.tor(project: "news", index: 1, mode: .hardmap))
        }
        #expect(try await supervisor.pid(.nginx(project: "news")) == nil)
        let commands = await transport.commands.filter { $0[1] != "show" }
        #expect(
            commands == [
                ["/usr/bin/systemctl", "stop", "onionops-ob-shop-front.service"],
                ["/usr/bin/systemctl", "stop", "onionops-obtor-shop-front.service"],
                [
                    "/usr/bin/systemctl", "disable", "onionops-obtor-shop-front.service",
                    "onionops-ob-shop-front.service",
                ],
                ["/usr/bin/systemctl", "reload", "onionops-nginx-news.service"],
            ])
        #expect(SystemdSupervisor.parseShow("A=1\nB=x=y\n\nA=2\n") == [["A": "1", "B": "x=y"], ["A": "2"]])
    }
}
