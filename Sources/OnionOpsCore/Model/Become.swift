/// How a controller logged in as an unprivileged user acts as root on the
/// host, as Ansible's `become` does.
public enum Become: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every batch, read and daemon action runs through `sudo -n`: no
    /// password, no prompt (a missing sudo rule fails at once, named).
    case sudo
}
