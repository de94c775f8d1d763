import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

/// The behaviour every host transport must have. It runs against the
/// local transport; the SSH transport joins the same list of kinds.
@Suite("host transport contract")
struct TransportContractTests {
    enum Kind: String, CaseIterable, Sendable {
        case local
        /// Real sshd instances on two loopback addresses.
        case ssh2 = "ssh-127.0.0.2"
        case ssh3 = "ssh-127.0.0.3"
    }

    /// Stops whatever a test host needed (an sshd) and removes its files.
    struct Cleanup {
        var run: () -> Void
        func remove() { run() }
    }

    /// A fresh host of `kind`, and what to clean up afterwards.
    static func makeHost(_ kind: Kind) throws -> (any HostTransport, Cleanup) {
        switch kind {
        case .local:
            let folder = try TemporaryFolder(prefix: "oo-host")
            return (LocalTransport(host: "sandbox", root: folder.path), Cleanup { folder.remove() })
        case .ssh2, .ssh3:
            let sshd = try SSHTestHost(address: kind == .ssh2 ? "127.0.0.2" : "127.0.0.3")
            let transport = SSHTransport(
                host: kind.rawValue,
                connection: sshd.connection,
                controlDirectory: sshd.controlDirectory
            )
            return (transport, Cleanup { sshd.stop() })
        }
    }

    /// The host's root as seen from this machine (both kinds live here).
    static func root(of host: any HostTransport) -> String {
        if let local = host as? LocalTransport { return local.layout.root }
        if let ssh = host as? SSHTransport { return ssh.connection.root }
        return "/"
    }

    @Test("folders, atomic writes, reads and stats round-trip with modes and owners", arguments: Kind.allCases)
    func writeReadStat(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        let owner = Command.isRoot ? "debian-tor" : NSUserName()
        _ = folder
        try await host.apply([
            .makeDirectory(ManagedDirectory(path: "/var/lib/onionops/p/x/tor1", mode: 0o700, owner: owner)),
            .write(ManagedFile(path: "/etc/onionops/a.conf", text: "hello\n", mode: 0o640)),
            .write(ManagedFile(path: "/var/lib/onionops/p/x/tor1/secret", text: "s", mode: 0o600, owner: owner)),
        ])
        let read = try await host.read(["/etc/onionops/a.conf", "/etc/onionops/missing"])
        #expect(read == ["/etc/onionops/a.conf": Array("hello\n".utf8)])

        let status = try await host.stat([
            "/etc/onionops/a.conf", "/var/lib/onionops/p/x/tor1", "/var/lib/onionops/p/x/tor1/secret",
        ])
        let file = try #require(status["/etc/onionops/a.conf"])
        #expect(file.mode == 0o640)
        #expect(file.size == 6)
        #expect(file.sha256 == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        let directory = try #require(status["/var/lib/onionops/p/x/tor1"])
        #expect(directory.isDirectory)
        #expect(directory.mode == 0o700)
        #expect(directory.owner == owner)
        #expect(status["/var/lib/onionops/p/x/tor1/secret"]?.owner == owner)
    }

    @Test(
        "one look reads, stats and finds the live pid of each pid file; junk, dead pids and links give none",
        arguments: Kind.allCases)
    func lookAndLivePids(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        let logs = try TemporaryFolder(prefix: "oo-sleep")
        defer { logs.remove() }
        let sleeper = try BackgroundProcess("/bin/sleep", ["30"], log: logs.path + "/sleep.log")
        defer { sleeper.stop() }
        let live = sleeper.pid
        // A pid that surely does not run: above the kernel's pid_max.
        let dead: Int32 = 2_147_483_600
        let files = [
            "live": "\(live)\n", "dead": "\(dead)\n", "zero": "0\n", "negative": "-1\n", "junk": "12abc\n",
            "empty": "",
        ]
        try await host.apply(files.map { .write(ManagedFile(path: "/run/onionops/\($0.key).pid", text: $0.value)) })
        // A pid file that is a link to a live pid file is not followed.
        let root = Self.root(of: host)
        try FileManager.default.createSymbolicLink(
            atPath: root + "/run/onionops/link.pid", withDestinationPath: root + "/run/onionops/live.pid")
        let pidFiles = (Array(files.keys) + ["link", "missing"]).sorted().map { "/run/onionops/\($0).pid" }

        let look = try await host.look(
            read: ["/run/onionops/live.pid", "/run/onionops/missing.pid"], stat: ["/run/onionops/dead.pid"],
            livePidsIn: pidFiles)
        #expect(look.livePids == ["/run/onionops/live.pid": live])
        #expect(look.contents == ["/run/onionops/live.pid": Array("\(live)\n".utf8)])
        #expect(look.statuses.keys.sorted() == ["/run/onionops/dead.pid"])
        #expect(try await host.livePids(inFiles: pidFiles) == ["/run/onionops/live.pid": live])
        #expect(try await host.look(read: [], stat: [], livePidsIn: []).livePids.isEmpty)
    }

    @Test("a write replaces the old content; removals take files and empty folders", arguments: Kind.allCases)
    func replaceAndRemove(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        try await host.apply([.write(ManagedFile(path: "/etc/onionops/d/f", text: "one"))])
        try await host.apply([.write(ManagedFile(path: "/etc/onionops/d/f", text: "two, longer"))])
        #expect(try await host.read(["/etc/onionops/d/f"])["/etc/onionops/d/f"] == Array("two, longer".utf8))
        // No temp files left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: Self.root(of: host) + "/etc/onionops/d") == ["f"])
        try await host.apply([
            .remove(path: "/etc/onionops/d/f"), .remove(path: "/etc/onionops/d"), .remove(path: "/nope"),
        ])
        #expect(try await host.stat(["/etc/onionops/d"]).isEmpty)
    }

    @Test("a folder a daemon wrote into stays; an empty one goes; missing parents are 0755", arguments: Kind.allCases)
    func removeIfEmpty(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        try await host.apply([
            .write(ManagedFile(path: "/var/log/onionops/p/notes.log", text: "a daemon wrote this")),
            .makeDirectory(ManagedDirectory(path: "/var/lib/onionops/empty")),
        ])
        let parent = try await host.stat(["/var/log"])["/var/log"]
        #expect(parent?.mode == 0o755, "a parent the batch had to create")
        try await host.apply([
            .removeIfEmpty(path: "/var/log/onionops/p"), .removeIfEmpty(path: "/var/lib/onionops/empty"),
            .removeIfEmpty(path: "/var/lib/onionops/never-was"),
        ])
        let left = try await host.stat(["/var/log/onionops/p/notes.log", "/var/lib/onionops/empty"])
        #expect(Set(left.keys) == ["/var/log/onionops/p/notes.log"])
    }

    @Test("temp files of a killed writer are swept; everything else stays", arguments: Kind.allCases)
    func sweep(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        try await host.apply([
            .write(ManagedFile(path: "/etc/onionops/a.conf", text: "kept")),
            .write(ManagedFile(path: "/etc/onionops/.a.conf.onionops-123", text: "torn")),
            .write(ManagedFile(path: "/etc/onionops/b.conf.onionops-staged", text: "staged")),
            .write(ManagedFile(path: "/var/lib/onionops/.x.onionops-9-1", text: "torn")),
        ])
        try await host.sweepTemporaryFiles(root: Self.root(of: host))
        let left = try await host.stat([
            "/etc/onionops/a.conf", "/etc/onionops/.a.conf.onionops-123", "/etc/onionops/b.conf.onionops-staged",
            "/var/lib/onionops/.x.onionops-9-1",
        ])
        #expect(Array(left.keys) == ["/etc/onionops/a.conf"])
    }

    @Test("paths that climb out of the root are refused", arguments: Kind.allCases)
    func traversal(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        await #expect(throws: HostError.self) {
            try await host.apply([.write(ManagedFile(path: "/etc/../../escape", text: "x"))])
        }
        await #expect(throws: HostError.self) { try await host.read(["relative/path"]) }
    }

    @Test(
        "one lock at a time; a dead holder's record is no lock; an unlock of a lock no longer ours fails",
        arguments: Kind.allCases)
    func locking(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        let first = try await host.lock(owner: "reconciler-a")
        do {
            _ = try await host.lock(owner: "reconciler-b")
            Issue.record("a second lock was granted")
        } catch {
            #expect(error.code == .locked)
            #expect(error.message.contains("reconciler-a"))
        }
        try await host.unlock(first)
        let second = try await host.lock(owner: "reconciler-b")
        try await host.unlock(second)

        // The lock is an flock, gone with its holder: the record a holder
        // that died left behind (from any machine) holds nothing.
        let dead = HostLock(
            owner: "crashed", pid: 2_000_000_000, startedAt: 1, machine: "other-\(first.machine)", machineID: "m",
            bootID: "b", processStart: 1, token: "t")
        try await host.apply([.write(ManagedFile(path: HostLock.path, text: dead.fileContent))])
        let taken = try await host.lock(owner: "reconciler-c")
        #expect(taken.owner == "reconciler-c")
        try await host.unlock(taken)

        // An older version's lock file never had an flock behind it: its
        // owner may still run, so it is left for a person.
        try await host.apply([.write(ManagedFile(path: HostLock.path, text: "remote 2000000000 1 elsewhere\n"))])
        await #expect(throws: HostError.self) { try await host.lock(owner: "reconciler-d") }
        try await host.apply([.remove(path: HostLock.path)])

        // A lock file removed under its holder: the unlock says the lock
        // was not ours to the end.
        let held = try await host.lock(owner: "reconciler-e")
        try await host.apply([.remove(path: HostLock.path)])
        await #expect(throws: HostError.self) { try await host.unlock(held) }
    }

    /// ssh opens a connection of its own when the shared one has died, so
    /// a step can reach a host whose lock this run has lost before the
    /// run notices: the host refuses the change itself (`LockFence`).
    @Test(
        "over SSH, a change on a host whose lock this run has lost is refused there: nothing written, nothing run",
        arguments: [Kind.ssh2])
    func changesNeedTheLock(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        let ssh = try #require(host as? SSHTransport)
        let root = Self.root(of: host)
        let lock = try await host.lock(owner: "reconciler-a")
        try await host.apply([.write(ManagedFile(path: "/etc/onionops/a.conf", text: "while held\n"))])
        #expect(try await host.run(["/bin/true"], input: []).exitCode == 0)

        // The holder on the host dies (as with its connection, or a kill):
        // the flock is free while this side may not have noticed yet.
        let holders = try await Spawn.capture(
            "/usr/bin/pkill", ["-KILL", "-f", "--", "token \(lock.token)"], environment: .inherited, mergeErrors: true)
        #expect(holders.status == 0, "no holder found for token \(lock.token)")
        let marker = HostLayout(root: root).resolve("/etc/onionops/ran")
        let otherReconciler = SSHTransport(
            host: "other", connection: ssh.connection, controlDirectory: ssh.controlDirectory)
        var other: HostLock?
        for attempt in 0..<2 {
            do {
                try await host.apply([.write(ManagedFile(path: "/etc/onionops/a.conf", text: "lost\n"))])
                Issue.record("a write went through without the lock (attempt \(attempt))")
            } catch {
                #expect(error.code == .locked, "\(error)")
                #expect(error.message.contains("held by nobody") || error.message.contains("no longer holds"))
            }
            do {
                _ = try await host.run(["/usr/bin/touch", marker], input: [])
                Issue.record("a command ran without the lock (attempt \(attempt))")
            } catch {
                #expect(error.code == .locked, "\(error)")
            }
            // tor's LOADCONF goes through a forwarded control socket.
            do {
                let socket = try await host.forwardSocket("/run/onionops/tor.sock")
                await host.releaseSocket(socket)
                Issue.record("a socket was forwarded without the lock (attempt \(attempt))")
            } catch {
                #expect(error.code == .locked, "\(error)")
            }
            if attempt == 0 {
                // Another reconciler takes the host: its record is not ours.
                other = try await otherReconciler.lock(owner: "reconciler-b")
            }
        }
        #expect(try await host.read(["/etc/onionops/a.conf"])["/etc/onionops/a.conf"] == Array("while held\n".utf8))
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(lock.handle?.lossReason() != nil)
        await #expect(throws: HostError.self) { try await host.unlock(lock) }
        if let other { try await otherReconciler.unlock(other) }
    }

    @Test("a unix socket on the host is reachable from here", arguments: Kind.allCases)
    func socketForwarding(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        // A one-shot unix echo server inside the host's root stands in for
        // tor's control socket; the client talks to it through the path
        // the transport hands back.
        let served = HostLayout(root: Self.root(of: host)).resolve("/run/onionops/echo.sock")
        try FileManager.default.createDirectory(
            atPath: (served as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let server = try UnixEchoServer(path: served)
        defer { server.stop() }
        let local = try await host.forwardSocket("/run/onionops/echo.sock")
        let reply = try UnixEchoServer.roundTrip(path: local, message: "PROTOCOLINFO 1")
        await host.releaseSocket(local)
        #expect(reply == "echo PROTOCOLINFO 1")
    }

    @Test("commands run with their arguments as given and with standard input", arguments: Kind.allCases)
    func commands(kind: Kind) async throws {
        let (host, folder) = try Self.makeHost(kind)
        defer { folder.remove() }
        let echo = try await host.run(["/bin/echo", "a b", "$HOME;"], input: [])
        #expect(echo.stdoutText == "a b $HOME;\n")
        let cat = try await host.run(["/bin/cat"], input: Array("from stdin".utf8))
        #expect(cat.stdoutText == "from stdin")
        let failing = try await host.run(["/bin/sh", "-c", "echo oops >&2; exit 3"], input: [])
        #expect(failing.exitCode == 3)
        #expect(failing.stderr == "oops\n")
    }

    @Test("a host that is not there is unreachable, not empty", arguments: Kind.allCases)
    func unreachable(kind: Kind) async throws {
        let host: any HostTransport
        switch kind {
        case .local: host = LocalTransport(host: "gone", root: "/tmp/oo-does-not-exist-\(UUID().uuidString.prefix(8))")
        case .ssh2, .ssh3:
            // Nothing listens on port 1.
            host = SSHTransport(
                host: "gone",
                connection: SSHConnection(address: kind == .ssh2 ? "127.0.0.2" : "127.0.0.3", port: 1, user: "root"),
                controlDirectory: "/tmp"
            )
        }
        do {
            _ = try await host.stat(["/etc/onionops/a.conf"])
            Issue.record("stat of a missing host succeeded")
        } catch {
            #expect(error.code == .unreachable)
        }
    }
}
