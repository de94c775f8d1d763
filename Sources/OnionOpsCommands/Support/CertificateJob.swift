import OnionOpsCore
import OnionOpsKeys
import OnionOpsSecrets

/// One certificate the manifests call for: a site's, or a project's
/// umbrella certificate, with the names and subject it carries.
struct CertificateJob: Sendable {
    var owner: TLSOwner
    var project: String
    var source: TLSSource
    var commonName: String
    var dnsNames: [String]
    var factory: TLSCertificateFactory

    /// Every certificate of the topology, in manifest order, each once
    /// (projects sharing a site, as hardmap-cpu does, share its
    /// certificate).
    static func all(in topology: Topology) -> [CertificateJob] {
        var jobs: [CertificateJob] = []
        var seen: Set<TLSOwner> = []
        for project in topology.projects {
            let tls = project.nginx.tls
            let factory = TLSCertificateFactory(lifetimeDays: tls.lifetimeDays, subject: tls.subject)
            let sites: [(onion: OnionAddress, subdomains: [String])] = project.sites.compactMap { site in
                guard case .success(let address) = OnionAddress.parse(site.onion) else { return nil }
                return (address, site.subdomains)
            }
            switch tls.scope {
            case .project:
                guard let first = sites.first, seen.insert(.project(project.name)).inserted else { continue }
                jobs.append(
                    CertificateJob(
                        owner: .project(project.name), project: project.name, source: tls.source,
                        commonName: first.onion.description, dnsNames: TLSCertificateFactory.dnsNames(for: sites),
                        factory: factory))
            case .perOnion:
                for site in sites where seen.insert(.site(site.onion)).inserted {
                    jobs.append(
                        CertificateJob(
                            owner: .site(site.onion), project: project.name, source: tls.source,
                            commonName: site.onion.description,
                            dnsNames: TLSCertificateFactory.dnsNames(for: site.onion, subdomains: site.subdomains),
                            factory: factory))
                }
            }
        }
        return jobs
    }

    /// The job `--project P [--site ONION | --umbrella]` names, or why none.
    static func named(
        in topology: Topology, project name: String, site: String?, umbrella: Bool
    ) -> Result<CertificateJob, CertificateJobError> {
        guard let project = topology.projects.first(where: { $0.name == name }) else {
            return .failure(CertificateJobError("no project '\(name)' in the manifests"))
        }
        let scope = project.nginx.tls.scope
        if umbrella != (scope == .project) || (site == nil) == (scope == .perOnion) {
            return .failure(
                CertificateJobError(
                    scope == .project
                        ? "project \(name) has tls.scope: project: name its umbrella certificate with --umbrella"
                        : "project \(name) has a certificate per onion: name one with --site ONION"))
        }
        let owner: TLSOwner
        if let site {
            guard case .success(let address) = OnionAddress.parse(site),
                project.sites.contains(where: { $0.onion == address.description })
            else {
                return .failure(CertificateJobError("\(site) is not a site of project \(name)"))
            }
            owner = .site(address)
        } else {
            owner = .project(name)
        }
        // The topology-wide job for this owner (same names and factory).
        guard
            let job = all(in: topology).first(where: { $0.owner == owner && $0.project == name })
                ?? all(in: topology).first(where: { $0.owner == owner })
        else {
            return .failure(CertificateJobError("project \(name) has no sites"))
        }
        return .success(job)
    }
}

/// Why `--project`/`--site`/`--umbrella` name no certificate.
struct CertificateJobError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
