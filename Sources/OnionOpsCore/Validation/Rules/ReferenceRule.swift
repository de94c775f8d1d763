/// Every host and project a manifest names exists, and lists name each
/// object once.
struct ReferenceRule: ValidationRule {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        let hostNames = Set(topology.hosts.map(\.name)).union(context.undecodedNames[.host] ?? [])
        let projectNames = Set(topology.projects.map(\.name)).union(context.undecodedNames[.project] ?? [])

        for project in topology.projects {
            let origin = project.origin
            let hosts = project.placement.hosts
            if hosts.isEmpty {
                report.error(
                    .invalidValue,
                    "Project '\(project.name)' has no placement hosts",
                    at: origin.location(of: "spec.placement.hosts")
                )
            }
            for (index, host) in hosts.enumerated() where !hostNames.contains(host) {
                let location = origin.location(of: "spec.placement.hosts[\(index)]")
                guard ConfigText.isValidName(host) else {
                    report.checkName(host, "placement host", at: location)
                    continue
                }
                report.error(
                    .danglingReference,
                    "Project '\(project.name)' is placed on host '\(host)', which no Host manifest defines",
                    at: location
                )
            }
            report.checkUnique(hosts, "placement host") { origin.location(of: "spec.placement.hosts[\($0)]") }
        }

        for balancer in topology.balancers {
            let origin = balancer.origin
            if !ConfigText.isValidName(balancer.project) {
                report.checkName(balancer.project, "project", at: origin.location(of: "spec.project"))
            } else if !projectNames.contains(balancer.project) {
                report.error(
                    .danglingReference,
                    "Balancer '\(balancer.name)' names project '\(balancer.project)', which no Project manifest defines",
                    at: origin.location(of: "spec.project")
                )
            }
            if balancer.hosts.isEmpty {
                report.error(
                    .invalidValue,
                    "Balancer '\(balancer.name)' has no publisher hosts",
                    at: origin.location(of: "spec.hosts")
                )
            }
            for (index, host) in balancer.hosts.enumerated() where !hostNames.contains(host) {
                let location = origin.location(of: "spec.hosts[\(index)]")
                guard ConfigText.isValidName(host) else {
                    report.checkName(host, "publisher host", at: location)
                    continue
                }
                report.error(
                    .danglingReference,
                    "Balancer '\(balancer.name)' publishes from host '\(host)', which no Host manifest defines",
                    at: location
                )
            }
            report.checkUnique(balancer.hosts, "publisher host") { origin.location(of: "spec.hosts[\($0)]") }
        }
    }
}
