/// A softmap project has exactly one Balancer and at most eight backend
/// instances per frontend; a hardmap project has none.
struct SoftmapRule: ValidationRule {
    /// Onionbalance takes two intro points per instance and clients reject
    /// more than 20, so 8 instances is the supported maximum.
    static let maxBackendsPerFrontend = 8

    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        for project in topology.projects {
            let balancers = topology.balancers(of: project.name)
            switch project.mode {
            case .hardmap:
                for balancer in balancers {
                    report.error(
                        .balancerMismatch,
                        "Balancer '\(balancer.name)' names hardmap project '\(project.name)'; only softmap projects have Onionbalance publishers",
                        at: balancer.origin.location(of: "spec.project")
                    )
                }
            case .softmap:
                if balancers.isEmpty, context.undecodedNames[.balancer]?.isEmpty ?? true {
                    report.error(
                        .balancerMismatch,
                        "softmap project '\(project.name)' has no Balancer; add one naming this project and its publisher hosts",
                        at: project.origin.location(of: "spec.mode")
                    )
                }
                for extra in balancers.dropFirst() {
                    report.error(
                        .balancerMismatch,
                        "project '\(project.name)' already has Balancer '\(balancers[0].name)'; list every publisher host in that one",
                        at: extra.origin.location(of: "spec.project")
                    )
                }
                let backends = project.totalTorInstances
                if backends > Self.maxBackendsPerFrontend {
                    report.error(
                        .tooManyBackends,
                        "softmap project '\(project.name)' gives each frontend \(backends) backend instances (\(project.placement.hosts.count) hosts x \(project.placement.torInstances) tor instances); Onionbalance supports at most \(Self.maxBackendsPerFrontend)",
                        at: project.origin.location(of: "spec.placement")
                    )
                }
            }
        }
    }
}
