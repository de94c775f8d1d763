import Foundation
public import OnionOpsCore

#if canImport(Glibc)
    import Glibc
#endif

/// Starts and stops a host's daemons without systemd (containers, sandbox
/// hosts): tor as its user with its rendered torrc, nginx as root (its
/// workers drop to their user); both daemonize and write pid files.
///
/// Commands go through the transport, so the same supervisor drives a
/// local sandbox and an SSH host.
public struct DirectSupervisor: Sendable {
    public let transport: any HostTransport
    public let host: OnionOpsCore.Host

    public init(transport: any HostTransport, host: OnionOpsCore.Host) {
        self.transport = transport
        self.host = host
    }

    private var layout: HostLayout { HostLayout(root: host.connection.root) }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Starts a project's tor instance as the tor user, daemonized.
    /// `extraArguments` are torrc options on the command line: tests pass
    /// `--DisableNetwork 1` so a tor they start never leaves the machine.
    public func startTor(project: String, instance: Int, extraArguments: [String] = []) async throws -> Int32 {
        let torrc = layout.resolve(HostLayout.torrc(project: project, instance: instance))
        let pidFile = HostLayout.torPidFile(project: project, instance: instance)
        // A control socket left by a killed tor blocks the next start.
        try await transport.apply([.remove(path: HostLayout.torControlSocket(project: project, instance: instance))])
        let output = try await transport.run(
            ["/usr/sbin/runuser", "-u", host.tor.user, "--", host.tor.binary, "-f", torrc, "--RunAsDaemon", "1"]
                + extraArguments,
            input: []
        )
        guard output.succeeded else {
            throw Failure(description: "tor \(project)-\(instance) did not start: \(output.stdoutText)\(output.stderr)")
        }
        return try await waitForPid(pidFile)
    }

    /// Starts a project's nginx (master as root).
    public func startNginx(project: String) async throws -> Int32 {
        let config = layout.resolve(HostLayout.nginxConfig(project: project))
        // nginx will not bind over a socket a killed nginx left behind.
        try await transport.apply([
            .remove(path: HostLayout.nginxSocket(project: project, port: 80)),
            .remove(path: HostLayout.nginxSocket(project: project, port: 443)),
        ])
        let output = try await transport.run([host.nginx.binary, "-c", config, "-p", layout.resolve("/")], input: [])
        guard output.succeeded else { throw Failure(description: "nginx \(project) did not start: \(output.stderr)") }
        return try await waitForPid(HostLayout.nginxPidFile(project: project))
    }

    /// SIGTERM to the pid in `pidFile`, then SIGKILL after `grace` seconds
    /// (tor sometimes hangs on SIGTERM).
    public func stop(pidFile: String, grace: Double = 5) async throws {
        guard let pid = try await readPid(pidFile) else { return }
        _ = try await transport.run(["/bin/kill", "-TERM", String(pid)], input: [])
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if try await !isAlive(pid) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        _ = try await transport.run(["/bin/kill", "-KILL", String(pid)], input: [])
    }

    public func readPid(_ pidFile: String) async throws(HostError) -> Int32? {
        let content = try await transport.read([pidFile])[pidFile]
        return content.flatMap { Int32(String(decoding: $0, as: UTF8.self).split(separator: "\n").first ?? "") }
    }

    public func isAlive(_ pid: Int32) async throws(HostError) -> Bool {
        try await transport.isAlive(pid)
    }

    private func waitForPid(_ pidFile: String) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let pid = try await readPid(pidFile), try await isAlive(pid) { return pid }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "no live pid in \(pidFile) after 10 s")
    }
}
