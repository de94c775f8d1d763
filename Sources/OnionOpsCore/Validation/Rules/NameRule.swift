/// Object names are DNS-label-like, safe in paths, and unique per kind.
struct NameRule: ValidationRule {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        checkKind("Host", topology.hosts.map { ($0.name, $0.origin) }, into: &report)
        checkKind("Project", topology.projects.map { ($0.name, $0.origin) }, into: &report)
        checkKind("Balancer", topology.balancers.map { ($0.name, $0.origin) }, into: &report)
    }

    private func checkKind(_ kind: String, _ objects: [(String, ObjectOrigin)], into report: inout ValidationReport) {
        var first: [String: SourceLocation] = [:]
        for (name, origin) in objects {
            let location = origin.location(of: "metadata.name")
            report.checkName(name, "\(kind) name", at: location)
            if let previous = first[name] {
                report.error(
                    .duplicateName, "\(kind) '\(name)' is defined again; the first is at \(previous)", at: location)
            } else {
                first[name] = location
            }
        }
    }
}
