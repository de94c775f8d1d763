import OnionOpsCore

/// Onionbalance's config.yaml for one balancer on one publisher host.
struct OnionbalanceConfigRenderer {
    let layout: HostLayout
    let host: Host

    /// Every frontend of the project, each with every backend instance
    /// across all hosts. Keys are named relative to the config file, as
    /// Onionbalance resolves them. Instance addresses go without `.onion`,
    /// the form Onionbalance stores.
    func config(_ balancer: Balancer, frontends: [OnionAddress], backends: [(BackendID, OnionAddress)]) -> String {
        var lines = FileHeader.lines("Balancer \(balancer.name) for project \(balancer.project)", host: host.name)
        lines.append(
            "status-socket-location: \(layout.resolve(HostLayout.publisherStatusSocket(balancer: balancer.name)))")
        lines.append("services:")
        for frontend in frontends {
            lines.append("- key: \(HostLayout.publisherKeyRelativePath(site: frontend))")
            lines.append("  instances:")
            for (id, address) in backends {
                lines.append("  - address: \(address.description.dropLast(OnionAddress.suffix.count))")
                lines.append("    name: \(id)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
