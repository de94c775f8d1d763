import OnionOpsCore

/// One logrotate file per host for every log OnionOps' daemons write there,
/// picked up by Debian's daily logrotate run.
///
/// Logs are copied and truncated, so no daemon is signalled (tor, nginx and
/// Onionbalance open their logs for appending and go on writing at the
/// start of the truncated file). Logs inside a daemon user's folder are
/// rotated as that user (`su`), so root never acts in a folder a daemon
/// could fill with links.
struct LogrotateRenderer {
    let layout: HostLayout
    let host: Host

    /// Rotation shared by every group: a week of days, and no log over
    /// 100 MB even between daily runs.
    static let policy = [
        "daily", "rotate 7", "maxsize 100M", "missingok", "notifempty", "compress", "delaycompress", "copytruncate",
    ]

    /// nil when the host runs no daemon.
    func render(_ topology: Topology) -> String? {
        var torLogs: [String] = []
        var publisherLogs: [String] = []
        var rootLogs: [String] = []
        for project in topology.projects where project.placement.hosts.contains(host.name) {
            for index in 1...max(project.placement.torInstances, 1) {
                torLogs.append(
                    layout.resolve(HostLayout.torDataDirectory(project: project.name, instance: index))
                        + "/notices.log")
            }
            rootLogs.append(layout.resolve(HostLayout.nginxLogDirectory(project: project.name)) + "/*.log")
        }
        for balancer in topology.balancers where balancer.hosts.contains(host.name) {
            publisherLogs.append(
                layout.resolve(HostLayout.publisherDataDirectory(balancer: balancer.name)) + "/notices.log")
            rootLogs.append(layout.resolve(HostLayout.onionbalanceLog(balancer: balancer.name)))
        }
        guard !(torLogs.isEmpty && rootLogs.isEmpty) else { return nil }
        var lines = FileHeader.lines("log rotation for its daemons", host: host.name)
        lines.append("# Rotated by copy and truncate: no daemon is signalled.")
        let groups: [(comment: String, user: String?, paths: [String])] = [
            ("tor instances' logs, in tor's own folders: rotated as tor's user", host.tor.user, torLogs),
            ("publishers' tor logs, in Onionbalance's folders", host.onionbalance.user, publisherLogs),
            ("nginx and Onionbalance logs, in root's folders", nil, rootLogs),
        ]
        for group in groups where !group.paths.isEmpty {
            lines.append("")
            lines.append("# " + group.comment)
            lines.append(group.paths.joined(separator: " ") + " {")
            // The daemon user's group has the user's name, as Debian's
            // packages make them.
            if let user = group.user { lines.append("    su \(user) \(user)") }
            lines += Self.policy.map { "    " + $0 }
            lines.append("}")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
