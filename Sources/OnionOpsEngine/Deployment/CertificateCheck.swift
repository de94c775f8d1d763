public import Foundation
public import OnionOpsCore
public import OnionOpsKeys

/// The TLS certificates that expire within `TLSSettings.renewalDays` (a
/// warning) or have expired (an error), read from public certificates
/// only: the ones a deployment places, or the ones placed on a host.
public enum CertificateCheck {
    /// Each certificate file a host serves, with whose it is.
    static func placed(on host: OnionOpsCore.Host, topology: Topology) -> [(path: String, subject: String)] {
        var files: [(path: String, subject: String)] = []
        var seen: Set<String> = []
        for project in topology.projects where project.placement.hosts.contains(host.name) {
            if project.nginx.tls.scope == .project {
                files.append((HostLayout.tlsProjectCertificate(project: project.name), "project \(project.name)"))
                continue
            }
            for site in project.sites {
                guard case .success(let address) = OnionAddress.parse(site.onion) else { continue }
                let path = HostLayout.tlsCertificate(project: project.name, site: address)
                if seen.insert(path).inserted { files.append((path, address.description)) }
            }
        }
        return files
    }

    /// The deployment's certificates (from the sealed files it opened)
    /// for its chosen hosts, each once; an unreadable one is an error too.
    public static func expiries(_ deployment: Deployment, now: Date = Date()) -> [CertificateExpiry] {
        guard let material = deployment.keyring.material else { return [] }
        var results: [CertificateExpiry] = []
        var seen: Set<String> = []
        for host in deployment.hosts {
            for project in deployment.topology.projects where project.placement.hosts.contains(host.name) {
                if project.nginx.tls.scope == .project {
                    let subject = "project \(project.name)"
                    guard seen.insert(subject).inserted, let files = material.projectTLS[project.name] else { continue }
                    results += check(String(decoding: files.certificate, as: UTF8.self), subject: subject, now: now)
                    continue
                }
                for site in project.sites {
                    guard case .success(let address) = OnionAddress.parse(site.onion),
                        seen.insert(address.description).inserted, let files = material.tls[address]
                    else { continue }
                    results += check(
                        String(decoding: files.certificate, as: UTF8.self), subject: address.description, now: now)
                }
            }
        }
        return results
    }

    static func check(_ pem: String, subject: String, now: Date) -> [CertificateExpiry] {
        guard let facts = try? TLSCertificateFacts(chainPEM: pem) else {
            // Unparseable: nginx would not load it either.
            return [CertificateExpiry(subject: subject, notValidAfter: .distantPast, severity: .error)]
        }
        return CertificateExpiry.check(facts, subject: subject, now: now, withinDays: TLSSettings.renewalDays)
            .map { [$0] } ?? []
    }

    /// The certificates placed on a host, read from it (public files, no
    /// identity needed); one missing is not reported here (status reports
    /// it as drift).
    public static func read(
        host: OnionOpsCore.Host, topology: Topology, transport: any HostTransport, now: Date = Date()
    ) async
        -> [CertificateExpiry]
    {
        let files = placed(on: host, topology: topology)
        guard !files.isEmpty, let contents = try? await transport.read(files.map { $0.path }) else { return [] }
        return files.flatMap { file -> [CertificateExpiry] in
            guard let bytes = contents[file.path] else { return [] }
            return check(String(decoding: bytes, as: UTF8.self), subject: file.subject, now: now)
        }
    }
}
