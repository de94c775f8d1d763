import OnionOpsCore
import Testing

/// The planner, the apply program and the state machine, without hosts.
@Suite("planning and the apply program")
struct PlannerTests {
    static let tor = DaemonInstance.tor(project: "news", index: 1, mode: .hardmap)
    static let nginx = DaemonInstance.nginx(project: "news")
    static let publisher = DaemonInstance.publisher(balancer: "front", project: "shop")

    static func state(nginxConfig: String = "events {}\n", withPublisher: Bool = false) -> HostDesiredState {
        var files = [
            ManagedFile(path: HostLayout.torrc(project: "news", instance: 1), text: "SocksPort 0\n", instance: tor),
            ManagedFile(path: HostLayout.nginxConfig(project: "news"), text: nginxConfig, instance: nginx),
            ManagedFile(
                path: "/var/lib/onionops/p/news/tor1/hs-x/hs_ed25519_secret_key", content: [1, 2, 3], mode: 0o600,
                owner: "debian-tor", instance: tor, isSecret: true),
            ManagedFile(
                path: "/var/lib/onionops/p/news/tor1/hs-x/hostname", text: "x.onion\n", mode: 0o600,
                owner: "debian-tor", instance: tor),
        ]
        var instances = [tor, nginx]
        if withPublisher {
            files.append(
                ManagedFile(
                    path: HostLayout.publisherConfig(balancer: "front"), text: "services:\n", instance: publisher))
            instances.append(publisher)
        }
        return HostDesiredState(
            host: "h", root: "/", instances: instances,
            directories: [
                ManagedDirectory(path: "/etc/onionops"),
                ManagedDirectory(path: "/var/lib/onionops/p/news/tor1/hs-x", mode: 0o700, owner: "debian-tor"),
            ],
            files: files)
    }

    /// A host that has exactly `state`, with every daemon running.
    static func snapshot(of state: HostDesiredState, generation: Bool = true) -> HostSnapshot {
        var files: [String: FileStatus] = [:]
        for directory in state.directories {
            files[directory.path] = FileStatus(
                isDirectory: true, size: 0, mode: directory.mode, owner: directory.owner, sha256: nil)
        }
        for file in state.files {
            files[file.path] = FileStatus(
                isDirectory: false, size: file.content.count, mode: file.mode, owner: file.owner,
                sha256: FileDrift.sha256Hex(file.content))
        }
        let running = Dictionary(uniqueKeysWithValues: state.instances.enumerated().map { ($1, Int32(100 + $0)) })
        return HostSnapshot(
            host: "h", files: files, running: running,
            current: generation ? Generation(number: 1, commit: "c1", state: state) : nil)
    }

    @Test("a new host: every folder and file is created and every daemon started")
    func newHost() {
        let plan = Planner().plan(Self.state(), on: HostSnapshot(host: "h"))
        #expect(plan.directories.count == 2)
        #expect(plan.changes.allSatisfy { $0.kind == .create })
        #expect(plan.changes.count == 4)
        #expect(plan.daemons == [Self.tor: .start, Self.nginx: .start])
    }

    @Test("a converged host gets an empty plan")
    func converged() {
        let state = Self.state()
        let plan = Planner().plan(state, on: Self.snapshot(of: state))
        #expect(plan.isEmpty)
        #expect(ApplyProgram(plan).entries.isEmpty)
    }

    @Test("a changed nginx config reloads nginx only")
    func nginxOnly() {
        let plan = Planner().plan(Self.state(nginxConfig: "events { }\n"), on: Self.snapshot(of: Self.state()))
        #expect(plan.changes.map(\.kind) == [.update])
        #expect(plan.changes.map(\.path) == [HostLayout.nginxConfig(project: "news")])
        #expect(plan.daemons == [Self.nginx: .reload])
        let steps = ApplyProgram(plan).entries.map(\.step.description)
        #expect(
            steps == [
                "stage /etc/onionops/projects/news/nginx.conf", "nginx -t (news)",
                "swap in /etc/onionops/projects/news/nginx.conf", "reload nginx-news", "check nginx-news answers",
            ])
    }

    @Test("a mode change alone is a metadata change")
    func metadata() {
        var snapshot = Self.snapshot(of: Self.state())
        snapshot.files[HostLayout.torrc(project: "news", instance: 1)]?.mode = 0o666
        let plan = Planner().plan(Self.state(), on: snapshot)
        #expect(plan.changes.map(\.kind) == [.metadata])
    }

    @Test("what left the inventory is deleted, keys are kept unless pruned, its daemon stops")
    func removal() {
        let old = Self.state(withPublisher: true)
        let snapshot = Self.snapshot(of: old)
        var smaller = Self.state()
        smaller = HostDesiredState(
            host: "h", root: "/", instances: [Self.nginx],
            directories: [ManagedDirectory(path: "/etc/onionops")],
            files: smaller.files.filter { $0.instance == Self.nginx })
        let plan = Planner().plan(smaller, on: snapshot)
        #expect(plan.daemons == [Self.tor: .stop, Self.publisher: .stop])
        #expect(
            Set(plan.changes.filter { $0.kind == .delete }.map(\.path))
                == [HostLayout.torrc(project: "news", instance: 1), HostLayout.publisherConfig(balancer: "front")])
        #expect(
            plan.keptKeys == [
                "/var/lib/onionops/p/news/tor1/hs-x/hostname",
                "/var/lib/onionops/p/news/tor1/hs-x/hs_ed25519_secret_key",
            ])
        #expect(plan.removedDirectories.isEmpty, "the folder holding a kept key stays")
        let pruned = Planner(pruneKeys: true).plan(smaller, on: snapshot)
        #expect(pruned.keptKeys.isEmpty)
        #expect(pruned.removedDirectories == ["/var/lib/onionops/p/news/tor1/hs-x"])

        let program = ApplyProgram(plan)
        let removal = program.steps(in: .removal).map(\.description)
        #expect(removal.first == "stop ob-front", "publishers stop before the tor instances: \(removal)")
        #expect(removal.dropFirst().first == "stop tor-news-1")
    }

    @Test("after an interrupted apply, what it was moving to counts as inventory: its extras go, its daemon stops")
    func interrupted() throws {
        // The host's generation has no publisher; a killed apply was
        // adding one (its record is pending) and got as far as starting it.
        let recorded = Self.state()
        let moving = Self.state(withPublisher: true)
        var snapshot = Self.snapshot(of: moving)
        snapshot.current = Generation(number: 1, commit: "c1", state: recorded)
        let pending = try #require(
            Generation.parse(
                number: 0, manifest: Generation(number: 0, commit: "c2", state: moving).manifest, contents: nil))
        #expect(pending.commit == "c2")
        #expect(pending.state.files.map(\.path) == moving.files.map(\.path))
        #expect(pending.state.instances == moving.instances)

        // Without the pending record its config is a stranger's file: kept.
        #expect(Planner().plan(recorded, on: snapshot).changes.isEmpty)
        snapshot.interrupted = pending
        let plan = Planner().plan(recorded, on: snapshot)
        #expect(plan.daemons == [Self.publisher: .stop])
        #expect(plan.changes.map(\.path) == [HostLayout.publisherConfig(balancer: "front")])
        #expect(plan.changes.allSatisfy { $0.kind == .delete })
        // Moving on to the interrupted state itself changes nothing.
        #expect(Planner().plan(moving, on: snapshot).isEmpty)
    }

    @Test("files OnionOps never wrote are never touched")
    func outsideInventory() {
        var snapshot = Self.snapshot(of: Self.state(), generation: false)
        snapshot.files["/etc/onionops/projects/news/by-hand.conf"] = FileStatus(
            isDirectory: false, size: 1, mode: 0o644, owner: "root", sha256: "x")
        let plan = Planner().plan(Self.state(), on: snapshot)
        #expect(plan.isEmpty)
    }

    @Test("waves: keys first, then nginx, then tor; publishers in their own phase")
    func waves() {
        let plan = Planner().plan(Self.state(withPublisher: true), on: HostSnapshot(host: "h"))
        let program = ApplyProgram(plan)
        let main = program.steps(in: .main).map(\.description)
        let prepare = main.firstIndex { $0.hasPrefix("prepare") } ?? -1
        let nginx = main.firstIndex { $0 == "nginx -t (news)" } ?? -1
        let keys = main.firstIndex { $0 == "check keys of tor-news-1" } ?? -1
        let verify = main.firstIndex { $0 == "tor --verify-config (tor-news-1)" } ?? -1
        let start = main.firstIndex { $0 == "start tor-news-1" } ?? -1
        #expect(prepare == 0 && prepare < nginx && nginx < keys && keys < verify && verify < start, "\(main)")
        let publishers = program.steps(in: .publishers).map(\.description)
        #expect(publishers.contains("check Onionbalance config (front)"))
        #expect(publishers.last == "check ob-front")
        #expect(!main.contains { $0.contains("ob-front") })
    }

    @Test("the machine stops at the first failure and hands out nothing more")
    func machine() {
        let plan = Planner().plan(Self.state(), on: HostSnapshot(host: "h"))
        var machine = ApplyMachine(program: ApplyProgram(plan))
        let first = machine.next(in: .main)
        #expect(first != nil)
        #expect(machine.next(in: .main) == nil, "one step at a time")
        machine.succeeded()
        #expect(machine.next(in: .main) != nil)
        machine.failed("boom")
        #expect(machine.isFailed)
        #expect(machine.next(in: .main) == nil)
        #expect(machine.next(in: .removal) == nil)
        #expect(machine.done.count == 1)
    }

    @Test("a generation's MANIFEST keeps its daemons and the daemon of each file")
    func manifestRoundTrip() throws {
        let state = Self.state(withPublisher: true)
        let generation = Generation(number: 3, commit: "abc", state: state)
        let contents = Dictionary(uniqueKeysWithValues: state.files.map { ($0.path, $0.content) })
        let parsed = try #require(Generation.parse(number: 3, manifest: generation.manifest, contents: contents))
        #expect(parsed.state == state)
        #expect(parsed.commit == "abc")
    }
}

@Suite("apply gates without hosts")
struct GateCheckTests {
    static let address = "fkncfijxnkt4aa7zfs6bhrbpkbqmfzg7f5ejrj4pmvscedss7h3qivid"

    @Test(
        "publisher configs",
        arguments: [
            ("services:\n- key: keys/a.key\n  instances:\n  - address: \(address)\n    name: b1\n", nil),
            ("services:\n- key: keys/a.key\n  instances:\n", "has no instances"),
            ("services:\n", "no services"),
            ("services:\n- key: /etc/shadow\n  instances:\n  - address: \(address)\n", "inside the config folder"),
            ("services:\n- key: keys/a.key\n  instances:\n  - address: notanonion\n", "not a v3 onion"),
            (
                "services:\n- key: keys/a.key\n  instances:\n"
                    + String(repeating: "  - address: \(address)\n", count: 9), "over 8"
            ),
        ] as [(String, String?)]
    )
    func publisherConfig(text: String, problem: String?) {
        switch PublisherConfigCheck.parse(text) {
        case .success: #expect(problem == nil)
        case .failure(let found):
            #expect(problem != nil && found.description.contains(problem ?? ""), "\(found)")
        }
    }

    @Test("tor key files")
    func keyFiles() throws {
        let publicKey = try OnionAddress.parse(Self.address + ".onion").get().publicKey
        let secret = Array("== ed25519v1-secret: type0 ==".utf8) + [0, 0, 0] + [UInt8](repeating: 7, count: 64)
        let pub = Array("== ed25519v1-public: type0 ==".utf8) + [0, 0, 0] + publicKey
        let hostname = Array((Self.address + ".onion\n").utf8)
        let expected = Self.address + ".onion"
        #expect(TorKeyFilesCheck.problem(secret: secret, public: pub, hostname: hostname, expected: expected) == nil)
        #expect(
            TorKeyFilesCheck.problem(
                secret: Array(secret.prefix(40)), public: pub, hostname: hostname, expected: expected)?
                .contains("not a tor ed25519 secret key") == true)
        #expect(
            TorKeyFilesCheck.problem(secret: nil, public: pub, hostname: hostname, expected: expected)?
                .contains("missing") == true)
        var other = pub
        other[40] ^= 1
        #expect(
            TorKeyFilesCheck.problem(secret: secret, public: other, hostname: hostname, expected: expected)?
                .contains("expected") == true)
    }
}
