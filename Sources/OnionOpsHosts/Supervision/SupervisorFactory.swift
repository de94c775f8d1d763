public import OnionOpsCore

/// Chooses how a host's daemons are supervised.
public enum SupervisorFactory {
    /// systemd when it runs on the host (`/run/systemd/system` exists,
    /// the test `sd_booted` makes), direct otherwise. A sandbox host (root
    /// other than `/`) is always direct: the machine's systemd is not its.
    public static func detect(transport: any HostTransport, host: OnionOpsCore.Host) async throws(HostError)
        -> Supervision
    {
        guard isRealRoot(host.connection.root) else { return .direct }
        // Through `run`, not `stat`: transports put paths under the host's
        // root, and this folder belongs to the real machine.
        let output = try await transport.run(["/usr/bin/test", "-d", "/run/systemd/system"], input: [])
        switch output.exitCode {
        case 0: return .systemd
        case 1: return .direct
        default:
            throw HostError(
                host: host.name, code: .commandFailed,
                message: "cannot tell whether systemd runs: test exited \(output.exitCode) \(output.stderr)")
        }
    }

    /// The host's supervision: `.auto` resolved through `detect`,
    /// `.direct` and `.systemd` as given.
    public static func resolve(transport: any HostTransport, host: OnionOpsCore.Host) async throws(HostError)
        -> Supervision
    {
        host.supervision == .auto ? try await detect(transport: transport, host: host) : host.supervision
    }

    /// A supervisor of a resolved kind. `.auto` (not resolved) gives the
    /// direct supervisor, which touches nothing but its own pid files.
    /// `torArguments` go on every tor command line (tests: `--DisableNetwork
    /// 1`).
    public static func make(
        _ kind: Supervision,
        transport: any HostTransport,
        host: OnionOpsCore.Host,
        torArguments: [String] = []
    ) -> any DaemonSupervisor {
        switch kind {
        case .systemd: SystemdSupervisor(transport: transport, host: host)
        case .direct, .auto: DirectSupervisor(transport: transport, host: host, torArguments: torArguments)
        }
    }

    /// `resolve`, then `make`.
    public static func make(
        transport: any HostTransport,
        host: OnionOpsCore.Host,
        torArguments: [String] = []
    ) async throws(HostError) -> any DaemonSupervisor {
        make(
            try await resolve(transport: transport, host: host), transport: transport, host: host,
            torArguments: torArguments)
    }

    static func isRealRoot(_ root: String) -> Bool {
        root.isEmpty || root.allSatisfy { $0 == "/" }
    }
}
