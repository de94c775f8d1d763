/// An onion served by more than one project.
///
/// Allowed only for hardmap projects serving the identical site: that is
/// the hardmap-cpu pattern (the same key in several tor daemons). A softmap
/// frontend's key belongs on its publishers only, so no other project may
/// serve that onion.
struct SiteSharingRule: ValidationRule {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        var firstUse: [String: (project: Project, site: Site)] = [:]
        for project in topology.projects {
            for (index, site) in project.sites.enumerated() {
                guard let first = firstUse[site.onion] else {
                    firstUse[site.onion] = (project, site)
                    continue
                }
                guard first.project.name != project.name else { continue }
                let location = project.origin.location(of: "spec.sites[\(index)].onion")
                if let softmap = [first.project, project].first(where: { $0.mode == .softmap }) {
                    let other = softmap.name == project.name ? first.project : project
                    let publishers = topology.balancers(of: softmap.name).flatMap(\.hosts)
                    report.error(
                        .keyPlacement,
                        "onion \(site.onion) is a frontend of softmap project '\(softmap.name)', so its key may only be on its publishers (\(listed(publishers))); project '\(other.name)' would also place it on \(listed(other.placement.hosts))",
                        at: location
                    )
                } else if !sameSite(first.site, site) {
                    report.error(
                        .siteConflict,
                        "onion \(site.onion) is served by project '\(first.project.name)' with a different definition; projects may share an onion only when they serve the identical site (the hardmap-cpu pattern)",
                        at: location
                    )
                }
            }
        }
    }

    private func sameSite(_ a: Site, _ b: Site) -> Bool {
        a.upstream == b.upstream && Set(a.subdomains) == Set(b.subdomains) && a.upstreamAddress == b.upstreamAddress
    }

    private func listed(_ hosts: [String]) -> String {
        hosts.isEmpty ? "none" : hosts.joined(separator: ", ")
    }
}
