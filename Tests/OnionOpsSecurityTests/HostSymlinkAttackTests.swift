import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Class 1, one finding at a time: a compromised daemon user on a host
/// (debian-tor, www-data, onionbalance) acts against root through the
/// folders it owns. Each runs over the local transport and over SSH.
@Suite(
    "class 1: root never acts through a path a daemon user controls",
    .serialized,
    .enabled(if: SecurityWorld.isEnabled, SecurityWorld.disabledReason)
)
struct HostSymlinkAttackTests {
    enum Kind: String, CaseIterable, Sendable, CustomStringConvertible {
        case local
        case ssh
        var description: String { rawValue }
    }

    /// A transport to a fresh sandbox root, and its root on this machine.
    struct Host {
        let transport: any HostTransport
        let root: String
        let stop: () -> Void
        func path(_ hostPath: String) -> String { HostLayout(root: root).resolve(hostPath) }
    }

    static func host(_ kind: Kind) throws -> Host {
        switch kind {
        case .local:
            let folder = try TemporaryFolder(prefix: "oo-atk")
            chmod(folder.path, 0o755)
            return Host(
                transport: LocalTransport(host: "sandbox", root: folder.path), root: folder.path,
                stop: { folder.remove() })
        case .ssh:
            let sshd = try SSHTestHost(address: "127.0.0.5")
            chmod(sshd.folder.path, 0o755)
            try FileManager.default.createDirectory(atPath: sshd.connection.root, withIntermediateDirectories: true)
            chmod(sshd.connection.root, 0o755)
            return Host(
                transport: SSHTransport(
                    host: "ssh-sandbox", connection: sshd.connection, controlDirectory: sshd.controlDirectory),
                root: sshd.connection.root, stop: { sshd.stop() })
        }
    }

    static let dataDirectory = "/var/lib/onionops/p/news/tor1"
    static let serviceDirectory = dataDirectory + "/hs-site"
    static let keyFile = serviceDirectory + "/hs_ed25519_secret_key"

    /// tor's DataDirectory and one HiddenServiceDir, owned by debian-tor,
    /// under root-owned parents, as the renderer lays them out.
    static func torFolders(_ host: Host) async throws {
        try await host.transport.apply([
            .makeDirectory(ManagedDirectory(path: dataDirectory, mode: 0o700, owner: "debian-tor")),
            .makeDirectory(ManagedDirectory(path: serviceDirectory, mode: 0o700, owner: "debian-tor")),
            .write(ManagedFile(path: keyFile, text: "old key", mode: 0o600, owner: "debian-tor")),
        ])
    }

    /// A fresh host with tor's folders in place and a canary, both gone
    /// after `body`.
    static func underAttack(_ kind: Kind, _ body: (Host, Canary) async throws -> Void) async throws {
        let host = try Self.host(kind)
        let canary = try Canary()
        defer {
            host.stop()
            canary.remove()
        }
        try await Self.torFolders(host)
        try await body(host, canary)
    }

    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    @Test(
        "a HiddenServiceDir swapped for a link to a root folder: replaced, never chowned or written through",
        arguments: Kind.allCases)
    func serviceFolderLink(kind: Kind) async throws {
        try await Self.underAttack(kind) { host, canary in
            let service = host.path(Self.serviceDirectory)
            let planted = try Attacker.run(
                "debian-tor",
                "mv -T \(Self.quote(service)) \(Self.quote(service)).old && ln -s \(Self.quote(canary.directory)) \(Self.quote(service))"
            )
            try #require(planted.succeeded, "\(planted.output)")

            let status = try await host.transport.stat([Self.serviceDirectory])[Self.serviceDirectory]
            #expect(status?.isSymbolicLink == true, "a link where a folder should be is reported as one")
            try await host.transport.apply([
                .makeDirectory(ManagedDirectory(path: Self.serviceDirectory, mode: 0o700, owner: "debian-tor")),
                .write(ManagedFile(path: Self.keyFile, text: "new key", mode: 0o600, owner: "debian-tor")),
            ])
            #expect(canary.damage() == [])
            var info = stat()
            #expect(lstat(service, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR, "a real folder replaced the link")
            #expect(try String(contentsOfFile: host.path(Self.keyFile), encoding: .utf8) == "new key")
        }
    }

    @Test("temp-file names planted as links by the folder's owner are never written through", arguments: Kind.allCases)
    func plantedTempNames(kind: Kind) async throws {
        try await Self.underAttack(kind) { host, canary in
            // The old SSH writer named its temp file `.<name>.onionops-<pid>-<n>`:
            // debian-tor plants a link under every such name for the next pids.
            let next =
                Int(
                    (try? String(contentsOfFile: "/proc/sys/kernel/ns_last_pid", encoding: .utf8))?
                        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 1000
            let folder = host.path(Self.serviceDirectory)
            let planted = try Attacker.run(
                "debian-tor",
                "perl -e 'for my $p (\(next)..\(next + 3000)) { for my $n (0..3) { symlink($ARGV[0], \"$ARGV[1]/.hs_ed25519_secret_key.onionops-$p-$n\") } }' \(Self.quote(canary.file)) \(Self.quote(folder))"
            )
            try #require(planted.succeeded, "\(planted.output)")
            try await host.transport.apply([
                .write(ManagedFile(path: Self.keyFile, text: "new key", mode: 0o600, owner: "debian-tor"))
            ])
            #expect(canary.damage() == [])
            #expect(try String(contentsOfFile: host.path(Self.keyFile), encoding: .utf8) == "new key")
            var info = stat()
            #expect(lstat(host.path(Self.keyFile), &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
        }
    }

    @Test("a removal under a folder swapped for a link removes nothing of root's", arguments: Kind.allCases)
    func removalThroughLinkedFolder(kind: Kind) async throws {
        try await Self.underAttack(kind) { host, canary in
            // A root folder holding a file with the key file's name.
            let victim = canary.folder.path + "/victim"
            try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: false)
            try "root's\n".write(toFile: victim + "/hs_ed25519_secret_key", atomically: false, encoding: .utf8)
            let service = host.path(Self.serviceDirectory)
            try #require(
                try Attacker.run(
                    "debian-tor", "rm -rf \(Self.quote(service)) && ln -s \(Self.quote(victim)) \(Self.quote(service))"
                )
                .succeeded)
            try await host.transport.apply([.remove(path: Self.keyFile), .removeIfEmpty(path: Self.serviceDirectory)])
            #expect(FileManager.default.fileExists(atPath: victim + "/hs_ed25519_secret_key"))
            #expect(canary.damage() == [])
        }
    }

    @Test(
        "reads and hashes never follow a link or read a root file hard-linked into a daemon's folder",
        arguments: Kind.allCases)
    func readsDoNotFollow(kind: Kind) async throws {
        try await Self.underAttack(kind) { host, canary in
            let hostname = Self.serviceDirectory + "/hostname"
            try #require(
                try Attacker.run("debian-tor", "ln -sf \(Self.quote(canary.file)) \(Self.quote(host.path(hostname)))")
                    .succeeded)
            // A hard link to a root-only file (what fs.protected_hardlinks=0
            // would let the user make; root stands in for it here).
            let hardLinked = Self.serviceDirectory + "/hs_ed25519_public_key"
            try #require(link(canary.file, host.path(hardLinked)) == 0)
            defer { unlink(host.path(hardLinked)) }

            let read = try await host.transport.read([hostname, hardLinked])
            #expect(read.isEmpty, "nothing read: \(read.keys.sorted())")
            let stats = try await host.transport.stat([hostname, hardLinked])
            #expect(stats[hostname]?.isSymbolicLink == true)
            #expect(stats[hostname]?.sha256 == nil)
            #expect(stats[hardLinked]?.sha256 == nil, "a root-owned file in debian-tor's folder is not hashed")
            #expect(canary.damage() == [])
        }
    }

    @Test("a FIFO where a managed file should be does not hang a read", arguments: Kind.allCases)
    func fifoDoesNotHang(kind: Kind) async throws {
        let host = try Self.host(kind)
        defer { host.stop() }
        try await Self.torFolders(host)
        let hostname = Self.serviceDirectory + "/hostname"
        let fifo = host.path(hostname)
        try #require(try Attacker.run("debian-tor", "mkfifo \(Self.quote(fifo))").succeeded)
        // A reader that blocks on the FIFO is let go by opening its other
        // end, so a regression fails the test instead of hanging the run.
        // The watchdog's bound is far past any honest read (a loaded CI
        // machine once took 17.9 s over SSH), so only a read that waited on
        // the FIFO needs it; the test asserts that it was not needed.
        let watchdog = FIFOWatchdog(path: fifo, after: .seconds(120))
        let read = try await host.transport.read([hostname])
        let stat = try await host.transport.stat([hostname])
        #expect(await !watchdog.stop(), "a read waited on the FIFO until the watchdog opened its other end")
        #expect(read.isEmpty)
        #expect(stat[hostname]?.sha256 == nil)
    }
}

/// Opens a FIFO's writing end once, after a delay, to free a reader stuck
/// on it, and remembers whether it had to.
private final class FIFOWatchdog: Sendable {
    private let task: Task<Bool, Never>

    init(path: String, after delay: Duration) {
        task = Task.detached {
            guard (try? await Task.sleep(for: delay)) != nil else { return false }
            // Only a reader holding the FIFO open lets this open succeed.
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            guard fd >= 0 else { return false }
            close(fd)
            return true
        }
    }

    /// Stops the watchdog; true if it had already fired.
    func stop() async -> Bool {
        task.cancel()
        return await task.value
    }
}
