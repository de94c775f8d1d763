import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A host for the lock tests, local (a sandbox folder) or over SSH (a real
/// sshd on 127.0.0.4 whose root is a folder here), and the demo manifests
/// with edge-1 on it, for the real `onionops` binary.
final class LockSandbox: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case local
        case ssh
    }

    let kind: Kind
    let folder: TemporaryFolder
    let sshd: SSHTestHost?
    /// edge-1's root, as seen from here (an SSH host's root is here too).
    let root: String
    let manifests: String

    init(_ kind: Kind) throws {
        self.kind = kind
        folder = try TemporaryFolder(prefix: "oo-lock")
        sshd = kind == .ssh ? try SSHTestHost(address: "127.0.0.4") : nil
        manifests = folder.path + "/manifests"
        let manager = FileManager.default
        try manager.copyItem(atPath: RepositoryPaths.manifests.path, toPath: manifests)
        var hosts = try String(contentsOfFile: manifests + "/hosts.yaml", encoding: .utf8)
        hosts = hosts.replacingOccurrences(of: "/tmp/onionops-demo", with: folder.path)
        if let sshd {
            let connection = sshd.connection
            hosts = hosts.replacingOccurrences(
                of: "local: {root: \(folder.path)/edge-1}",
                with: """
                    ssh: {address: \(connection.address), port: \(connection.port), user: \(connection.user), \
                    identityFile: \(connection.identityFile ?? ""), knownHostsFile: \(connection.knownHostsFile ?? ""), \
                    root: \(connection.root)}
                    """)
            root = connection.root
        } else {
            root = folder.path + "/edge-1"
        }
        try hosts.write(toFile: manifests + "/hosts.yaml", atomically: true, encoding: .utf8)
        for path in [root, folder.path + "/edge-2", root + HostLayout.stateDirectory] {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
    }

    var lockPath: String { root + HostLock.path }

    /// This machine's hostname, as the lock records it (gethostname).
    static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A transport of this process to edge-1.
    var transport: any HostTransport {
        if let sshd {
            return SSHTransport(host: "edge-1", connection: sshd.connection, controlDirectory: sshd.controlDirectory)
        }
        return LocalTransport(host: "edge-1", root: root)
    }

    /// The same host, described for a child process (see `LockRacer`).
    var childDescription: String {
        guard let connection = sshd?.connection, let sshd else { return "local|\(root)" }
        return [
            "ssh", connection.address, String(connection.port), connection.user, connection.identityFile ?? "",
            connection.knownHostsFile ?? "", connection.root, sshd.controlDirectory,
        ].joined(separator: "|")
    }

    static func transport(fromChildDescription text: String) -> (any HostTransport)? {
        let fields = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        if fields.count == 2, fields[0] == "local" { return LocalTransport(host: "edge-1", root: fields[1]) }
        guard fields.count == 8, fields[0] == "ssh", let port = Int(fields[2]) else { return nil }
        let connection = SSHConnection(
            address: fields[1], port: port, user: fields[3], identityFile: fields[4], knownHostsFile: fields[5],
            root: fields[6])
        return SSHTransport(host: "edge-1", connection: connection, controlDirectory: fields[7])
    }

    /// `onionops reconcile` of edge-1 (with `--full`: never the read-only
    /// shortcut, always the lock), run from a "pod": a UTS namespace whose
    /// hostname is `hostname`, as a restarted pod or another container is.
    func reconcileCommand(hostname: String) -> (String, [String]) {
        (
            "/usr/bin/unshare",
            [
                "--uts", "--", "/bin/sh", "-c", #"hostname "$1" && shift && exec "$@""#, "sh", hostname,
                OnionOpsBinary.url.path, "reconcile", manifests, "--identity", RepositoryPaths.demoIdentity.path,
                "--hosts", "edge-1", "--full",
            ]
        )
    }

    /// A reconcile in the background; its pid is the `onionops` process's
    /// (unshare and sh exec into it).
    func startReconcile(hostname: String, log: String) throws -> BackgroundProcess {
        let (executable, arguments) = reconcileCommand(hostname: hostname)
        return try BackgroundProcess(executable, arguments, log: folder.path + "/\(log).log")
    }

    /// A reconcile run to its end.
    func reconcile(hostname: String) throws -> (exitCode: Int32, output: String) {
        let (executable, arguments) = reconcileCommand(hostname: hostname)
        let result = try Command.capture(executable, arguments)
        return (result.exitCode, result.stdout + result.stderr)
    }

    /// Reconciles from `hostname` until one run succeeds or `seconds` pass;
    /// the seconds it took, or nil, and the last output.
    func reconcileUntilTaken(hostname: String, within seconds: Double) throws -> (Double?, String) {
        let start = Date()
        var last = ""
        while Date().timeIntervalSince(start) < seconds {
            let run = try reconcile(hostname: hostname)
            if run.exitCode == 0 { return (Date().timeIntervalSince(start), run.output) }
            last = run.output
            usleep(500_000)
        }
        return (nil, last)
    }

    /// Seconds until the lock is free (as status sees it), or nil.
    func secondsUntilFree(within seconds: Double) async throws -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try await transport.lockState(root: root).state == "free" { return Date().timeIntervalSince(start) }
            usleep(100_000)
        }
        return nil
    }

    func status() throws -> (exitCode: Int32, output: String) {
        let result = try OnionOpsBinary.run(["status", manifests, "--hosts", "edge-1"])
        return (result.exitCode, result.stdout + result.stderr)
    }

    var lockRecord: String { (try? String(contentsOfFile: lockPath, encoding: .utf8)) ?? "" }

    /// Waits until the lock file's record names `pid` (in either record
    /// format): the process holds the host from then on.
    func waitUntilHeld(by pid: Int32, process: BackgroundProcess, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, process.isRunning {
            let record = lockRecord
            if record.contains("pid \(pid)\n") || record.hasPrefix("onionops-reconcile \(pid) ") { return true }
            usleep(2_000)
        }
        return false
    }

    /// The processes holding the lock file open (the shell on the host
    /// holding the flock, over SSH). /proc/locks is no help here: it names
    /// the process that called flock (flock(1), long gone), not the holders
    /// of the open file.
    var lockFileHolders: [Int32] {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.compactMap(Int32.init).filter { pid in
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return descriptors.contains { fd in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == lockPath
            }
        }
    }

    /// SIGSTOP, and wait until every thread of `pid` has stopped (kill
    /// returns before the signal has taken effect).
    static func freeze(_ pid: Int32) -> Bool {
        kill(pid, SIGSTOP)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            let states = threads.compactMap { thread -> Character? in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { return nil }
                return stat[stat.index(after: close)...].split(separator: " ").first?.first
            }
            if !states.isEmpty, states.allSatisfy({ $0 == "T" || $0 == "t" }) { return true }
            usleep(1_000)
        }
        return false
    }

    func stop() {
        SandboxDaemons.kill(roots: [root, folder.path + "/edge-2"])
        sshd?.stop()
        folder.remove()
    }
}
