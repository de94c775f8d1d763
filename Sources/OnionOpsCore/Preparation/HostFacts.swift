/// What a host has, as `hosts prepare` reads it in one round trip.
public struct HostFacts: Sendable, Hashable {
    /// Installed packages and their versions (absent: not installed).
    public var versions: [String: String] = [:]
    /// Packages whose installed version meets its minimum (compared on
    /// the host by `dpkg --compare-versions`, Debian's own order).
    public var recent: Set<String> = []
    public var users: Set<String> = []
    /// Unit name to `systemctl is-enabled` state; empty without systemd.
    public var services: [String: String] = [:]
    public var systemd = false

    public init() {}

    /// The facts script's output: `pkg NAME VERSION` (version `-` when not
    /// installed), `recent NAME`, `user NAME`, `systemd yes|no`, `service
    /// NAME STATE`.
    public static func parse(_ text: String) -> HostFacts {
        var facts = HostFacts()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            switch (fields.first, fields.count) {
            case ("pkg", 3) where fields[2] != "-": facts.versions[fields[1]] = fields[2]
            case ("recent", 2): facts.recent.insert(fields[1])
            case ("user", 2): facts.users.insert(fields[1])
            case ("systemd", 2): facts.systemd = fields[1] == "yes"
            case ("service", 3): facts.services[fields[1]] = fields[2]
            default: continue
            }
        }
        return facts
    }
}
