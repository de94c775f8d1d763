import OnionOpsCore

/// The `show` view of a topology.
struct TopologySummary: Encodable {
    struct HostEntry: Encodable {
        var name: String
        var transport: String
        var target: String
        var root: String
        var supervision: String
        /// `spec.testHost`: printed so a production host that gained the
        /// mark (and test torrc options) stands out.
        var testHost: Bool
        var testingTorOptions: [String]
        var runs: [String]
    }

    struct SiteEntry: Encodable {
        var onion: String
        var upstream: String
        var subdomains: [String]
        var upstreamAddress: String?
    }

    struct ProjectEntry: Encodable {
        var name: String
        var mode: String
        var hosts: [String]
        var torInstancesPerHost: Int
        var sites: [SiteEntry]
        var publishers: [String]
    }

    struct BalancerEntry: Encodable {
        var name: String
        var project: String
        var hosts: [String]
        var frontends: [String]
        var backendsPerFrontend: Int
    }

    var formatVersion = JSONOutput.formatVersion
    var hosts: [HostEntry]
    var projects: [ProjectEntry]
    var balancers: [BalancerEntry]

    init(_ topology: Topology) {
        hosts = topology.hosts.map { host in
            let target: String
            switch host.connection {
            case .local(let root): target = root == "/" ? "this machine" : "sandbox"
            case .ssh(let ssh): target = "\(ssh.user)@\(ssh.address):\(ssh.port)"
            }
            return HostEntry(
                name: host.name,
                transport: host.connection.transportName,
                target: target,
                root: host.connection.root,
                supervision: host.supervision.rawValue,
                testHost: host.testHost,
                testingTorOptions: host.testingTorOptions,
                runs: topology.instances(on: host.name).map(\.description)
            )
        }
        projects = topology.projects.map { project in
            ProjectEntry(
                name: project.name,
                mode: project.mode.rawValue,
                hosts: project.placement.hosts,
                torInstancesPerHost: project.placement.torInstances,
                sites: project.sites.map {
                    SiteEntry(
                        onion: $0.onion, upstream: $0.upstream, subdomains: $0.subdomains,
                        upstreamAddress: $0.upstreamAddress)
                },
                publishers: topology.balancers(of: project.name).flatMap(\.hosts)
            )
        }
        balancers = topology.balancers.map { balancer in
            let project = topology.project(named: balancer.project)
            return BalancerEntry(
                name: balancer.name,
                project: balancer.project,
                hosts: balancer.hosts,
                frontends: project?.sites.map(\.onion) ?? [],
                backendsPerFrontend: project?.totalTorInstances ?? 0
            )
        }
    }

    /// `  TEST HOST (torrc: DisableNetwork 1)` for a host marked
    /// `testHost`, empty otherwise; `show` and `status` both print it.
    static func testMark(testHost: Bool, options: [String]) -> String {
        guard testHost else { return "" }
        return "  TEST HOST" + (options.isEmpty ? "" : " (torrc: \(options.joined(separator: "; ")))")
    }

    func text(source: String) -> String {
        var lines: [String] = []
        lines.append("Topology from \(source)")
        lines.append("")
        lines.append("Hosts (\(hosts.count))")
        let width = hosts.map(\.name.count).max() ?? 0
        for host in hosts {
            let name = host.name.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append(
                "  \(name)  \(host.transport) \(host.target)  root \(host.root)  supervision \(host.supervision)"
                    + Self.testMark(testHost: host.testHost, options: host.testingTorOptions))
        }
        lines.append("")
        lines.append("Projects (\(projects.count))")
        for project in projects {
            let perHost = project.torInstancesPerHost == 1 ? "1 tor" : "\(project.torInstancesPerHost) tor"
            lines.append(
                "  \(project.name)  \(project.mode), on \(project.hosts.joined(separator: ", ")) (\(perHost) each)")
            for site in project.sites {
                var line = "    \(site.onion) -> \(site.upstream)"
                if !site.subdomains.isEmpty { line += " (+ \(site.subdomains.joined(separator: ", ")))" }
                if let address = site.upstreamAddress { line += " via \(address)" }
                lines.append(line)
            }
            if project.mode == ProjectMode.softmap.rawValue {
                let backends = project.hosts.count * project.torInstancesPerHost
                lines.append(
                    "    frontends published by \(project.publishers.joined(separator: ", ")); \(backends) backends each"
                )
            }
        }
        if !balancers.isEmpty {
            lines.append("")
            lines.append("Balancers (\(balancers.count))")
            for balancer in balancers {
                lines.append(
                    "  \(balancer.name)  project \(balancer.project), publishers \(balancer.hosts.joined(separator: ", ")), \(balancer.frontends.count) \(DiagnosticReport.plural(balancer.frontends.count, "frontend")) x \(balancer.backendsPerFrontend) backends"
                )
            }
        }
        lines.append("")
        lines.append("What runs where")
        for host in hosts {
            let name = host.name.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("  \(name)  \(host.runs.isEmpty ? "(nothing)" : host.runs.joined(separator: "  "))")
        }
        return lines.joined(separator: "\n")
    }
}
