/// Every unix socket OnionOps will create on a host fits in `sun_path`;
/// tor and nginx fail to start otherwise.
struct SocketPathRule: ValidationRule {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        let hosts = Dictionary(topology.hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for project in topology.projects {
            let sockets = projectSockets(project)
            for (index, hostName) in project.placement.hosts.enumerated() {
                guard let host = hosts[hostName] else { continue }
                check(
                    sockets,
                    on: host,
                    owner: "project '\(project.name)'",
                    at: project.origin.location(of: "spec.placement.hosts[\(index)]"),
                    into: &report
                )
            }
        }
        for balancer in topology.balancers {
            let sockets = [
                HostLayout.publisherControlSocket(balancer: balancer.name),
                HostLayout.publisherStatusSocket(balancer: balancer.name),
            ]
            for (index, hostName) in balancer.hosts.enumerated() {
                guard let host = hosts[hostName] else { continue }
                check(
                    sockets,
                    on: host,
                    owner: "Balancer '\(balancer.name)'",
                    at: balancer.origin.location(of: "spec.hosts[\(index)]"),
                    into: &report
                )
            }
        }
    }

    private func projectSockets(_ project: Project) -> [String] {
        let control = (0..<max(project.placement.torInstances, 0)).map {
            HostLayout.torControlSocket(project: project.name, instance: $0 + 1)
        }
        return control + [80, 443].map { HostLayout.nginxSocket(project: project.name, port: $0) }
    }

    /// One diagnostic per host and owner, naming the longest path.
    private func check(
        _ sockets: [String],
        on host: Host,
        owner: String,
        at location: SourceLocation,
        into report: inout ValidationReport
    ) {
        let layout = HostLayout(root: host.connection.root)
        let resolved = sockets.map(layout.resolve)
        guard let longest = resolved.max(by: { $0.utf8.count < $1.utf8.count }),
            longest.utf8.count > HostLayout.maxSocketPathBytes
        else { return }
        report.error(
            .socketPathTooLong,
            "on host '\(host.name)', \(owner) needs the unix socket \(longest) (\(longest.utf8.count) bytes); socket paths must fit in \(HostLayout.maxSocketPathBytes) bytes: shorten the host's root or the name",
            at: location
        )
    }
}
