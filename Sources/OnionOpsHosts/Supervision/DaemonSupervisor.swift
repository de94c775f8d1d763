public import OnionOpsCore

/// Starts, stops, reloads and finds a host's daemons, through the host's
/// transport: with systemd units on servers that run systemd, with pid
/// files and signals elsewhere (containers, sandbox hosts).
public protocol DaemonSupervisor: Sendable {
    /// `.systemd` or `.direct`, never `.auto`.
    var kind: Supervision { get }

    /// Starts the instance if it is not running; returns its main pid. A
    /// publisher whose Onionbalance exits at once for want of a consensus
    /// is not an error: see `publisherState`.
    func start(_ instance: DaemonInstance) async throws(HostError) -> Int32

    /// Stops it (TERM, then KILL after a grace period); not running is fine.
    func stop(_ instance: DaemonInstance) async throws(HostError)

    /// nginx: HUP the master (the caller has already run `nginx -t`);
    /// publisher: HUP Onionbalance (the caller has validated its config).
    /// tor instances are reloaded with LOADCONF by the caller, never here:
    /// throws for `.tor`.
    func reload(_ instance: DaemonInstance) async throws(HostError)

    /// The main pid if running (pid file + liveness, or systemctl MainPID),
    /// nil otherwise. For a publisher: Onionbalance's.
    func pid(_ instance: DaemonInstance) async throws(HostError) -> Int32?

    /// Whether a publisher's Onionbalance runs, cannot publish (offline),
    /// failed or is stopped.
    func publisherState(balancer: String) async throws(HostError) -> PublisherState
}

extension HostTransport {
    /// A sleep between polls of a host; cancellation becomes a HostError.
    func pause(_ duration: Duration) async throws(HostError) {
        do {
            try await Task.sleep(for: duration)
        } catch {
            throw HostError(host: host, code: .commandFailed, message: "cancelled while waiting on the host")
        }
    }
}
