/// Each site: a valid v3 onion, a valid upstream, safe subdomains, and no
/// onion twice in one project.
struct SiteRule: ValidationRule {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        for project in topology.projects {
            let origin = project.origin
            if project.sites.isEmpty {
                report.error(
                    .invalidValue, "Project '\(project.name)' has no sites", at: origin.location(of: "spec.sites"))
            }
            if !(1...Placement.maxTorInstancesPerHost).contains(project.placement.torInstances) {
                report.error(
                    .valueOutOfRange,
                    "torInstances \(project.placement.torInstances) is out of range 1...\(Placement.maxTorInstancesPerHost)",
                    at: origin.location(of: "spec.placement.torInstances")
                )
            }
            var seenOnions: [String: Int] = [:]
            var seenShortNames: [String: String] = [:]
            for (index, site) in project.sites.enumerated() {
                let path = "spec.sites[\(index)]"
                if let address = checkOnion(site.onion, at: origin.location(of: "\(path).onion"), into: &report) {
                    if let previous = seenOnions[site.onion] {
                        report.error(
                            .siteConflict,
                            "onion \(site.onion) is listed twice in project '\(project.name)' (also sites[\(previous)])",
                            at: origin.location(of: "\(path).onion")
                        )
                    } else if let other = seenShortNames[address.shortName] {
                        report.error(
                            .siteConflict,
                            "onion \(site.onion) shares its first 16 characters with \(other); socket names would collide",
                            at: origin.location(of: "\(path).onion")
                        )
                    }
                    seenOnions[site.onion] = seenOnions[site.onion] ?? index
                    seenShortNames[address.shortName] = seenShortNames[address.shortName] ?? site.onion
                }
                report.checkConfigText(
                    site.upstream,
                    "upstream",
                    at: origin.location(of: "\(path).upstream"),
                    code: .invalidDNSName,
                    expected: "use a lowercase DNS name with at least two labels, like example.org"
                ) { ConfigText.isDNSName($0) }
                for (subIndex, subdomain) in site.subdomains.enumerated() {
                    report.checkConfigText(
                        subdomain,
                        "subdomain",
                        at: origin.location(of: "\(path).subdomains[\(subIndex)]"),
                        code: .invalidDNSName,
                        expected: "use one or more lowercase DNS labels, like www or static.cdn"
                    ) { ConfigText.isDNSName($0, minLabels: 1) && $0.utf8.count + 63 <= 253 }
                }
                report.checkUnique(site.subdomains, "subdomain") { origin.location(of: "\(path).subdomains[\($0)]") }
                if let address = site.upstreamAddress {
                    report.checkConfigText(
                        address,
                        "upstreamAddress",
                        at: origin.location(of: "\(path).upstreamAddress"),
                        code: .invalidValue,
                        expected: "use host:port, like 127.0.0.1:8443 or [::1]:8443"
                    ) { ConfigText.isHostPort($0) }
                }
            }
        }
    }

    private func checkOnion(_ onion: String, at location: SourceLocation, into report: inout ValidationReport)
        -> OnionAddress?
    {
        if let bad = ConfigText.injectionCharacter(in: onion) {
            report.error(
                .configInjection,
                "onion \(Quoted(onion)) contains \(bad), which could inject a configuration directive",
                at: location
            )
            return nil
        }
        switch OnionAddress.parse(onion) {
        case .success(let address):
            return address
        case .failure(.badChecksum):
            report.error(.onionChecksum, "onion \(Quoted(onion)) \(OnionAddress.ParseError.badChecksum)", at: location)
        case .failure(let error):
            report.error(.invalidOnionAddress, "onion \(Quoted(onion)) \(error)", at: location)
        }
        return nil
    }
}
