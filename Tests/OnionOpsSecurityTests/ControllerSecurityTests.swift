import Foundation
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Class 2 of the hardening review: an unprivileged local user on the
/// controller machine (here `nobody`, through runuser) against `onionops`
/// run by root. Each test runs the real binary.
@Suite(
    "controller against a local user", .serialized, .enabled(if: SecurityWorld.isEnabled, SecurityWorld.disabledReason))
struct ControllerSecurityTests {
    // MARK: F7: the ssh ControlMaster folder

    /// `nobody` makes the folder the controller used to take whoever made
    /// it (`/tmp/onionops-ssh-0`) and listens there as a fake master. Run
    /// in a mount namespace where that path is nobody's folder (this
    /// machine's real one may already be root's, made by other tests), and
    /// again where `/run/onionops-controller` is too (a folder root did not
    /// make must be refused, not used).
    @Test("F7: no ssh of a reconcile ever reaches a control socket planted by nobody")
    func plantedControlMaster() throws {
        let sshd = try SSHTestHost(address: "127.0.0.71")
        defer { sshd.stop() }
        let sandbox = try ControllerSandbox(prefix: "oo-f7", ssh: sshd, projects: .freshKey)
        defer { sandbox.remove() }

        // nobody cannot make anything in /run, where root's folder lives.
        let probe = try LocalUser.run("nobody", "/bin/mkdir", ["/run/onionops-controller-nobody-probe"])
        #expect(!probe.succeeded, "nobody created a folder in /run")

        let publicFolder = sandbox.folder.path + "/public"
        try FileManager.default.createDirectory(atPath: publicFolder, withIntermediateDirectories: true)
        chmod(publicFolder, 0o1777)
        let planted = publicFolder + "/ssh"
        try #require(try LocalUser.run("nobody", "/bin/mkdir", ["-m", "0777", planted]).succeeded)
        let socketName = try Self.controlSocketName(sshd)
        let log = publicFolder + "/fake-master.log"
        let fake = try Self.startFakeMaster(socket: planted + "/" + socketName, log: log, folder: sandbox.folder.path)
        defer { fake.kill() }

        let oldPath = "/tmp/onionops-ssh-\(getuid())"
        for mountPoint in [oldPath, SSHControlFolder.rootPath] where !FileManager.default.fileExists(atPath: mountPoint)
        {
            try FileManager.default.createDirectory(
                atPath: mountPoint, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        }

        // 1. The old path is nobody's.
        let first = try Self.reconcile(sandbox, plantingAt: [oldPath], from: planted)
        #expect(first.exitCode == 0, "reconcile failed: \(first.stderr)")
        #expect(SSHControlFolder.problem(with: SSHControlFolder.rootPath) == nil)
        let master = SSHControlFolder.rootPath + "/" + socketName
        var status = stat()
        #expect(
            lstat(master, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK,
            "the shared connection is not in \(SSHControlFolder.rootPath)")

        // 2. root's own folder is nobody's too: refused, a private one used.
        let second = try Self.reconcile(sandbox, plantingAt: [oldPath, SSHControlFolder.rootPath], from: planted)
        #expect(second.exitCode == 0, "reconcile failed: \(second.stderr)")
        #expect(second.stderr.contains("refusing \(SSHControlFolder.rootPath)"), "\(second.stderr)")

        let seen = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let connections = seen.split(separator: "\n").filter { $0.hasPrefix("connected") }
        SecurityWorld.report("F7: fake master saw \(connections.count) connections")
        #expect(connections.isEmpty, "the fake master was reached: \(seen)")
    }

    /// ssh's own expansion of `%C` for the test host, as the transport
    /// sets ControlPath `<folder>/%C`: what an attacker computes too.
    static func controlSocketName(_ sshd: SSHTestHost) throws -> String {
        let connection = sshd.connection
        let expanded = try Command.capture(
            "/usr/bin/ssh",
            [
                "-G", "-p", String(connection.port), "-o", "ControlPath=/x/%C",
                "\(connection.user)@\(connection.address)",
            ])
        let line = expanded.stdout.split(separator: "\n").first { $0.hasPrefix("controlpath ") }
        return try #require(line.map { String($0.split(separator: "/").last ?? "") })
    }

    /// A unix socket listening as `nobody`, logging each connection.
    static func startFakeMaster(socket: String, log: String, folder: String) throws -> BackgroundProcess {
        let script = """
            import os, socket, sys
            path, log = sys.argv[1], sys.argv[2]
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(path)
            os.chmod(path, 0o777)
            server.listen(16)
            open(log, "a").write("listening\\n")
            while True:
                client, _ = server.accept()
                client.settimeout(2)
                with open(log, "a") as out:
                    out.write("connected\\n")
                    try:
                        out.write("received %d bytes\\n" % len(client.recv(65536)))
                    except OSError:
                        pass
                client.close()
            """
        // setpriv execs in place (runuser would stay as the parent), so
        // killing this pid stops the listener itself.
        let fake = try BackgroundProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "/usr/bin/python3", "-c", script, socket,
                log,
            ],
            log: folder + "/fake-master.out")
        let ready = fake.wait(upTo: 10) {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("listening")
        }
        try #require(ready, "fake master did not start: \(fake.log)")
        return fake
    }

    /// `onionops reconcile` in a private mount namespace where each of
    /// `mountPoints` shows the folder `planted`.
    static func reconcile(_ sandbox: ControllerSandbox, plantingAt mountPoints: [String], from planted: String)
        throws -> Command.Captured
    {
        let binds =
            #"src=$1; count=$2; shift 2; while [ "$count" -gt 0 ]; do "#
            + #"mount --bind "$src" "$1" || exit 97; shift; count=$((count - 1)); done; exec "$@""#
        return try Command.capture(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "--", "/bin/sh", "-c", binds, "sh", planted,
                String(mountPoints.count),
            ]
                + mountPoints + [OnionOpsBinary.url.path] + sandbox.reconcileArguments + ["--full"])
    }

    // MARK: F8: render --with-keys

    /// A folder anyone may write in (like /tmp) where `nobody` prepared the
    /// output path: links at every key path, links for whole subtrees, the
    /// output folder itself a link, an empty folder of its own. Keys must
    /// never go through a link, and never be readable by others.
    @Test("F8: render --with-keys writes through no planted link and never exposes a key")
    func renderIntoPlantedFolder() throws {
        let folder = try TemporaryFolder(prefix: "oo-f8")
        defer { folder.remove() }
        let canaryText = "canary \(UUID().uuidString)\n"
        let canary = try folder.write("canary-file", canaryText)
        chmod(canary, 0o644)
        let canaryFolder = folder.path + "/canary-folder"
        try FileManager.default.createDirectory(atPath: canaryFolder, withIntermediateDirectories: false)
        let world = folder.path + "/world"
        try FileManager.default.createDirectory(atPath: world, withIntermediateDirectories: false)
        chmod(world, 0o1777)

        let referenceOut = folder.path + "/reference"
        let reference = try Self.render(referenceOut)
        #expect(reference.exitCode == 0, "\(reference.stderr)")
        let secrets = reference.stdout.split(separator: "\n").filter { $0.contains("(secret,") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("/") }.map { String($0.dropFirst(referenceOut.count)) }
        }
        try #require(secrets.count >= 2, "no secret files rendered: \(reference.stdout)")

        // A: a link at every secret file's path, in nobody's folder.
        let linkedFiles = world + "/linked-files"
        for secret in secrets {
            let link = linkedFiles + secret
            try #require(
                try LocalUser.run("nobody", "/bin/mkdir", ["-p", (link as NSString).deletingLastPathComponent])
                    .succeeded
            )
            try #require(try LocalUser.run("nobody", "/bin/ln", ["-s", canary, link]).succeeded)
        }
        // B: links for whole subtrees.
        let linkedTrees = world + "/linked-trees"
        try #require(try LocalUser.run("nobody", "/bin/mkdir", [linkedTrees]).succeeded)
        for top in ["etc", "var", "run"] {
            try #require(
                try LocalUser.run("nobody", "/bin/ln", ["-s", canaryFolder, linkedTrees + "/" + top]).succeeded)
        }
        // C: the output folder itself a link.
        let linkedOut = world + "/linked-out"
        try #require(try LocalUser.run("nobody", "/bin/ln", ["-s", canaryFolder, linkedOut]).succeeded)

        for out in [linkedFiles, linkedTrees, linkedOut] {
            let run = try Self.render(out)
            #expect(run.exitCode == 1, "render into \(out) was not refused: \(run.stdout)")
            #expect(run.stderr.contains("render writes only into a new or empty folder"), "\(run.stderr)")
        }

        // D: an empty folder of nobody's, open to all: replaced by a
        // private one.
        let emptyOut = world + "/empty"
        try #require(try LocalUser.run("nobody", "/bin/mkdir", ["-m", "0777", emptyOut]).succeeded)
        let intoEmpty = try Self.render(emptyOut)
        #expect(intoEmpty.exitCode == 0, "\(intoEmpty.stderr)")
        let replaced = LocalUser.owner(emptyOut)
        #expect(replaced?.uid == 0 && replaced?.mode == 0o700, "\(emptyOut): \(String(describing: replaced))")
        for secret in secrets {
            #expect(try LocalUser.read("nobody", emptyOut + secret) == nil, "nobody read \(secret)")
        }

        // E: a new folder, traced: every secret file is created exclusive,
        // without following links, mode 600, relative to a folder
        // descriptor (never by a path another user could have prepared).
        let traced = world + "/traced"
        let trace = folder.path + "/render.strace"
        let run = try Command.capture(
            "/usr/bin/strace",
            ["-f", "-qq", "-e", "trace=open,openat,creat,mkdir,mkdirat", "-o", trace, OnionOpsBinary.url.path]
                + Self.renderArguments(traced))
        #expect(run.exitCode == 0, "\(run.stderr)")
        let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        for secret in secrets {
            let name = (secret as NSString).lastPathComponent
            let creations = calls.filter { $0.contains("\"\(name)\"") || $0.contains("/\(name)\"") }
                .filter { $0.contains("O_CREAT") }
            #expect(!creations.isEmpty, "no creation of \(name) traced")
            for call in creations {
                #expect(
                    call.contains("O_EXCL") && call.contains("O_NOFOLLOW") && call.contains(", 0600)")
                        && !call.contains("AT_FDCWD") && !call.contains("\"/"),
                    "\(call)")
            }
            let mode = LocalUser.owner(traced + secret)?.mode
            #expect(mode == 0o600, "\(secret): mode \(String(describing: mode))")
        }
        let creations = calls.filter { $0.contains("O_CREAT") && $0.contains("\"\(world)") }
        #expect(creations.isEmpty, "created by path in the world-writable folder: \(creations)")
        #expect(LocalUser.owner(traced)?.mode == 0o700)

        // Nothing reached the canaries.
        let canaryNow = FileManager.default.contents(atPath: canary).map { Array($0) }
        #expect(canaryNow == Array(canaryText.utf8), "the canary changed: \(canaryNow?.count ?? 0) bytes now")
        let canaryStatus = LocalUser.owner(canary)
        #expect(canaryStatus?.uid == 0 && canaryStatus?.mode == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: canaryFolder).isEmpty)
        SecurityWorld.report("F8: \(secrets.count) secret paths linked by nobody, 5 output folders attacked")
    }

    static func renderArguments(_ out: String) -> [String] {
        [
            "render", RepositoryPaths.manifests.path, "--host", "edge-2", "--out", out, "--with-keys", "--identity",
            RepositoryPaths.demoIdentity.path,
        ]
    }

    static func render(_ out: String) throws -> OnionOpsBinary.Result {
        try OnionOpsBinary.run(renderArguments(out))
    }

    // MARK: F9: the daemons' environment

    /// A secret in onionops' environment (a CI token), then each daemon's
    /// /proc/<pid>/environ read as the daemon's own user, over the local
    /// transport (edge-2) and SSH (edge-1).
    @Test("F9: no daemon started by a reconcile carries the controller's environment")
    func daemonEnvironment() throws {
        let sshd = try SSHTestHost(address: "127.0.0.72")
        defer { sshd.stop() }
        let sandbox = try ControllerSandbox(prefix: "oo-f9", ssh: sshd, projects: .demo)
        defer { sandbox.remove() }
        let canary = "canary-\(UUID().uuidString)"
        let run = try sandbox.onionops(sandbox.reconcileArguments, environment: ["ONIONOPS_TEST_SECRET": canary])
        #expect(run.exitCode == 0, "reconcile failed: \(run.stderr)")

        var readable = 0
        for root in sandbox.roots {
            var users: [String: Int] = [:]
            for pid in LocalUser.processes(mentioning: root).sorted() {
                guard let uid = LocalUser.processOwner(pid), let user = LocalUser.userName(of: uid),
                    let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
                else { continue }
                users[user, default: 0] += 1
                // Booleans only: a failure must not print the environment.
                let held = String(decoding: environ, as: UTF8.self).contains(canary)
                #expect(!held, "pid \(pid) (\(user)) holds the controller's secret")
                guard user != "root", let seen = try LocalUser.read(user, "/proc/\(pid)/environ") else { continue }
                readable += 1
                let leaked = String(decoding: seen, as: UTF8.self).contains(canary)
                #expect(!leaked, "\(user) read the controller's secret from /proc/\(pid)/environ")
            }
            SecurityWorld.report("F9: \(root): daemons by user \(users.sorted { $0.key < $1.key })")
            #expect(users["debian-tor", default: 0] >= 1, "no tor found under \(root)")
            #expect(users["www-data", default: 0] >= 1, "no nginx worker found under \(root)")
        }
        #expect(readable >= 2, "the daemon users could read no environ at all: the check proves nothing")
    }

    // MARK: F10: plaintext in temp files

    /// A reconcile to an SSH host holding keys made for this test only,
    /// SIGKILLed 20 times at points spread over a whole run; then every
    /// temp folder is searched for the keys' bytes and base64.
    @Test("F10: a SIGKILLed reconcile leaves no key material in any temp folder")
    func killedReconcileLeavesNoPlaintext() throws {
        let sshd = try SSHTestHost(address: "127.0.0.73")
        defer { sshd.stop() }
        let sandbox = try ControllerSandbox(prefix: "oo-f10", ssh: sshd, projects: .freshKey)
        defer { sandbox.remove() }
        let secrets = try sandbox.secretFiles(host: "edge-1")
        try #require(secrets.count >= 2, "expected an onion key and a TLS key")
        let needles = KeyNeedles(secrets.map(\.content))
        let started = Date()
        // The killed runs' own temp folder: whatever they leave there by
        // name (in-memory capture leaves nothing) is counted, keys or not.
        let temporaryFolder = try TemporaryFolder(prefix: "oo-f10t")
        defer { temporaryFolder.remove() }
        let environment = ["TMPDIR": temporaryFolder.path]

        let clock = Date()
        let full = try sandbox.onionops(sandbox.reconcileArguments, environment: environment)
        #expect(full.exitCode == 0, "reconcile failed: \(full.stderr)")
        let duration = max(Date().timeIntervalSince(clock), 0.5)

        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        SecurityWorld.report("F10: a full reconcile took \(String(format: "%.2f", duration)) s; seed \(seed)")
        let root = sshd.connection.root
        for round in 0..<20 {
            // A fresh host each time, so that every run writes the keys.
            sandbox.stopDaemons()
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
                try? FileManager.default.removeItem(atPath: root + "/" + entry)
            }
            let delay = duration * (Double(round) + Double.random(in: 0..<1, using: &generator)) / 20
            let process = try BackgroundProcess(
                "/usr/bin/env",
                ["TMPDIR=" + temporaryFolder.path, OnionOpsBinary.url.path] + sandbox.reconcileArguments,
                log: sandbox.folder.path + "/kill-\(round).log")
            _ = process.wait(upTo: delay) { false }
            process.kill()
        }
        // ssh children of a killed run finish on their own.
        usleep(3_000_000)
        let hits = needles.scan(
            [temporaryFolder.path, "/tmp", "/dev/shm", "/var/tmp"], excluding: [sandbox.folder.path, sshd.folder.path],
            since: started)
        #expect(hits.isEmpty, "key material left in \(hits)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: temporaryFolder.path)) ?? []
        #expect(left.isEmpty, "the killed runs left \(left.count) entries in their TMPDIR: \(left.prefix(5))")
    }

    /// Folders named like the older versions' (`onionops-run-*`) in the
    /// temp folder: this user's stale one is removed at the start of a
    /// command; nobody's, a link named like one, and a fresh one are left.
    @Test("F10: stale onionops-run folders of older versions are swept, only this user's")
    func staleRunFoldersSwept() throws {
        let folder = try TemporaryFolder(prefix: "oo-f10s")
        defer { folder.remove() }
        let temporary = folder.path + "/tmp"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        chmod(temporary, 0o1777)
        let old = Date().addingTimeInterval(-3600)

        let stale = temporary + "/onionops-run-stale"
        let fresh = temporary + "/onionops-run-fresh"
        for path in [stale, fresh] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            try "script with base64 keys\n".write(toFile: path + "/in", atomically: false, encoding: .utf8)
        }
        let nobodys = temporary + "/onionops-run-nobody"
        try #require(try LocalUser.run("nobody", "/bin/mkdir", [nobodys]).succeeded)
        try #require(try LocalUser.run("nobody", "/usr/bin/touch", [nobodys + "/in"]).succeeded)
        let canaryFolder = try folder.write("canary/keep", "canary\n")
        let link = temporary + "/onionops-run-link"
        try FileManager.default.createSymbolicLink(
            atPath: link, withDestinationPath: (canaryFolder as NSString).deletingLastPathComponent)
        for path in [stale + "/in", stale, nobodys + "/in", nobodys, canaryFolder] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        }

        // A reconcile onto a local host: its commands there (starting tor)
        // go through the capture that sweeps.
        let sandbox = try ControllerSandbox(prefix: "oo-f10r", ssh: nil, projects: .freshKey)
        defer { sandbox.remove() }
        let run = try sandbox.onionops(sandbox.reconcileArguments, environment: ["TMPDIR": temporary])
        #expect(run.exitCode == 0, "reconcile: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stale), "the stale folder is still there")
        #expect(FileManager.default.fileExists(atPath: fresh + "/in"), "a recent folder was removed")
        #expect(FileManager.default.fileExists(atPath: nobodys + "/in"), "nobody's folder was touched")
        #expect(LocalUser.owner(link) != nil, "the link was removed")
        #expect(FileManager.default.fileExists(atPath: canaryFolder), "a file was removed through the link")
    }
}
