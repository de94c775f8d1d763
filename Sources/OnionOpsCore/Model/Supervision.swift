/// How daemons are started and stopped on a host.
public enum Supervision: String, Sendable, Hashable, Codable, CaseIterable {
    /// systemd where it runs, direct supervision otherwise.
    case auto
    /// Units written by OnionOps, driven with `systemctl`.
    case systemd
    /// Pid files and signals, for containers and sandbox hosts.
    case direct
}
