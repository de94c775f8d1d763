/// What a plan does to one daemon.
public enum DaemonAction: String, Sendable, Hashable, Codable {
    /// Not running: start it once its files are in place.
    case start
    /// Running and its files changed: nginx and Onionbalance get a HUP
    /// after their config checks out; tor gets LOADCONF (never a bare HUP).
    case reload
    /// No longer wanted on this host: stopped before its files go.
    case stop
}
