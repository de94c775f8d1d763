/// Paths and names daemon supervision uses, shared by the systemd unit
/// renderer (OnionOpsRender) and the supervisors and observer
/// (OnionOpsHosts), which do not depend on each other.
extension HostLayout {
    // MARK: Onionbalance process

    /// Onionbalance does not daemonize or write a pid file: the supervisor
    /// (direct) or the unit's ExecStartPost (systemd) writes this one.
    public static func onionbalancePidFile(balancer: String) -> String {
        "\(publisherRunDirectory(balancer))/onionbalance.pid"
    }

    /// Written when Onionbalance exits: `exit <status> pid <pid>`, then the
    /// last lines it logged. Offline it exits within a second, so this is
    /// how the observer tells "cannot publish" from a real failure without
    /// reading a whole log.
    public static func onionbalanceExitFile(balancer: String) -> String {
        "\(publisherRunDirectory(balancer))/onionbalance.exit"
    }

    public static func publisherLogDirectory(balancer: String) -> String {
        "\(logDirectory)/b/\(balancer)"
    }

    /// Onionbalance's stderr under direct supervision (systemd: the
    /// journal); the previous run's is kept as `.1`.
    public static func onionbalanceLog(balancer: String) -> String {
        "\(publisherLogDirectory(balancer: balancer))/onionbalance.log"
    }

    /// In the host's own logrotate folder, read by Debian's daily run:
    /// root's folder, which logrotate skips hidden temp files in.
    public static let logrotateConfig = "/etc/logrotate.d/onionops"

    // MARK: systemd units

    /// Inside OnionOps' own tree; `systemctl link` makes them known.
    public static let systemdUnitDirectory = "\(configDirectory)/systemd"

    /// The unit that runs `instance`; for a publisher, its Onionbalance
    /// (its tor is `publisherTorUnit`).
    public static func systemdUnit(_ instance: DaemonInstance) -> String {
        switch instance {
        case .tor(let project, let index, _): "onionops-tor-\(project)-\(index).service"
        case .nginx(let project): "onionops-nginx-\(project).service"
        case .publisher(let balancer, _): "onionops-ob-\(balancer).service"
        }
    }

    /// The publisher's own tor, which its Onionbalance unit requires.
    public static func publisherTorUnit(balancer: String) -> String {
        "onionops-obtor-\(balancer).service"
    }

    /// Every unit of `instance`, dependencies first.
    public static func systemdUnits(_ instance: DaemonInstance) -> [String] {
        if case .publisher(let balancer, _) = instance {
            return [publisherTorUnit(balancer: balancer), systemdUnit(instance)]
        }
        return [systemdUnit(instance)]
    }

    public static func systemdUnitPath(_ unit: String) -> String {
        "\(systemdUnitDirectory)/\(unit)"
    }
}
