import Foundation
public import OnionOpsCore
import Synchronization

/// A real sshd on a loopback address (127.0.0.2, 127.0.0.3, ...) with its
/// own host key, a client key allowed to log in, a known_hosts file that
/// names exactly that host key, and a root folder to act as the host's
/// sandbox root.
public final class SSHTestHost: Sendable {
    public let folder: TemporaryFolder
    public let connection: SSHConnection
    public let controlDirectory: String
    private let daemon: Mutex<BackgroundProcess>
    private let plainShell: Bool

    /// With `plainShell`, sshd runs in a private mount namespace where the
    /// login user's ~/.bashrc is empty. Bash reads that file for every
    /// command sshd runs, and a developer's or CI's root can carry a slow
    /// one (pyenv init: about 0.25 s per command here) that a server would
    /// not have; a benchmark that counts SSH round trips must not pay it.
    ///
    /// `logLevel` sets sshd's LogLevel; at DEBUG1 its log has one
    /// "request exec" line per command run (the fan-out bench counts them).
    public init(address: String, plainShell: Bool = false, logLevel: String? = nil) throws {
        self.plainShell = plainShell
        folder = try TemporaryFolder(prefix: "oo-ssh")
        let path = folder.path
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        for (name, comment) in [("host_key", "host"), ("client_key", "client")] {
            let made = try Command.run(
                "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", "\(path)/\(name)"])
            guard made.succeeded else { throw SandboxTree.Failure(description: "ssh-keygen: \(made.output)") }
        }
        try FileManager.default.copyItem(atPath: "\(path)/client_key.pub", toPath: "\(path)/authorized_keys")
        try FileManager.default.createDirectory(atPath: "\(path)/root", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(path)/ctl", withIntermediateDirectories: true)
        let hostKey = try String(contentsOfFile: "\(path)/host_key.pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let user = NSUserName()

        var started: (BackgroundProcess, SSHConnection)?
        for attempt in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            try """
            Port \(port)
            ListenAddress \(address)
            HostKey \(path)/host_key
            PidFile \(path)/sshd.pid
            AuthorizedKeysFile \(path)/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            MaxStartups 100
            Subsystem sftp internal-sftp
            \(logLevel.map { "LogLevel \($0)" } ?? "")
            """.write(toFile: "\(path)/sshd_config", atomically: true, encoding: .utf8)
            try "[\(address)]:\(port) \(hostKey)\n".write(
                toFile: "\(path)/known_hosts", atomically: true, encoding: .utf8)
            let daemon = try Self.startDaemon(
                config: "\(path)/sshd_config", log: "\(path)/sshd-\(attempt).log", plainShell: plainShell)
            let probe = SSHConnection(
                address: address,
                port: port,
                user: user,
                identityFile: "\(path)/client_key",
                knownHostsFile: "\(path)/known_hosts",
                root: "\(path)/root"
            )
            let ready = daemon.wait(upTo: 5) { Self.answers(probe) }
            if ready {
                started = (daemon, probe)
                break
            }
            daemon.stop()
        }
        guard let (daemon, probe) = started else {
            throw SandboxTree.Failure(description: "sshd on \(address) did not start")
        }
        self.daemon = Mutex(daemon)
        self.connection = probe
        controlDirectory = "\(path)/ctl"
    }

    /// sshd in the foreground; with `plainShell` (and as root, which the
    /// bind mount needs), behind `unshare`, which execs into it, so the pid
    /// is sshd's own either way.
    static func startDaemon(config: String, log: String, plainShell: Bool) throws -> BackgroundProcess {
        let bashrc = NSHomeDirectory() + "/.bashrc"
        guard plainShell, getuid() == 0, FileManager.default.fileExists(atPath: bashrc) else {
            return try BackgroundProcess("/usr/sbin/sshd", ["-D", "-e", "-f", config], log: log)
        }
        return try BackgroundProcess(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                #"mount --bind /dev/null "$1" && exec /usr/sbin/sshd -D -e -f "$2""#, "sh", bashrc, config,
            ],
            log: log)
    }

    /// One plain login, the way the transport logs in.
    static func answers(_ connection: SSHConnection) -> Bool {
        let arguments = [
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
            "-o", "UserKnownHostsFile=\(connection.knownHostsFile ?? "")", "-o", "ConnectTimeout=2",
            "-i", connection.identityFile ?? "", "-p", String(connection.port),
            "\(connection.user)@\(connection.address)", "true",
        ]
        return (try? Command.run("/usr/bin/ssh", arguments).succeeded) ?? false
    }

    /// The running sshd's log (its stderr).
    public var logPath: String { daemon.withLock { $0.logPath } }
    /// What sshd has logged so far (its lines end with \r\n).
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func stop() {
        daemon.withLock { $0.stop() }
        folder.remove()
    }

    /// Cuts the host off: every connection to it drops and the listener
    /// stops, so the next command fails as on a dropped link.
    public func cut() {
        daemon.withLock { listener in
            // Each connection is served by a child of the listener:
            // killing them drops every open (and shared) connection.
            _ = try? Command.run("/usr/bin/pkill", ["-KILL", "-P", String(listener.pid)])
            listener.stop(grace: 1)
        }
    }

    /// Listens again on the same address and port.
    public func restore() throws {
        let path = folder.path
        let restarted = try Self.startDaemon(
            config: "\(path)/sshd_config", log: "\(path)/sshd-restored.log", plainShell: plainShell)
        _ = restarted.wait(upTo: 5) { Self.answers(connection) }
        daemon.withLock { $0 = restarted }
    }
}
