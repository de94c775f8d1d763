/// Block rules, cache settings and extra headers: every string here is
/// written into nginx.conf.
struct NginxOptionsRule: ValidationRule {
    /// Headers OnionOps sets itself for the proxy to work.
    static let reservedHeaders: Set<String> = ["host", "accept-encoding", "connection", "upgrade"]

    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        for project in topology.projects {
            let nginx = project.nginx
            let origin = project.origin
            for (index, path) in nginx.block.paths.enumerated() {
                report.checkConfigText(
                    path,
                    "block path",
                    at: origin.location(of: "spec.nginx.block.paths[\(index)]"),
                    code: .invalidPath,
                    expected: "use a URL path prefix starting with '/'"
                ) { ConfigText.isURLPathPrefix($0) }
            }
            for (index, host) in nginx.block.hosts.enumerated() {
                report.checkConfigText(
                    host,
                    "block host",
                    at: origin.location(of: "spec.nginx.block.hosts[\(index)]"),
                    code: .invalidDNSName,
                    expected: "use a subdomain like admin, or a full upstream host name"
                ) { ConfigText.isDNSName($0, minLabels: 1) }
            }
            for (index, agent) in nginx.block.userAgents.enumerated() {
                report.checkConfigText(
                    agent,
                    "block userAgent",
                    at: origin.location(of: "spec.nginx.block.userAgents[\(index)]"),
                    code: .invalidValue,
                    expected: "use 1-200 printable ASCII characters"
                ) { ConfigText.isPrintableText($0, maxLength: 200) }
            }
            report.checkConfigText(
                nginx.cache.maxSize,
                "cache maxSize",
                at: origin.location(of: "spec.nginx.cache.maxSize"),
                code: .invalidValue,
                expected: "use an nginx size like 256m or 2g"
            ) { ConfigText.isNginxSize($0) }
            report.checkConfigText(
                nginx.cache.validFor,
                "cache validFor",
                at: origin.location(of: "spec.nginx.cache.validFor"),
                code: .invalidValue,
                expected: "use an nginx time like 30s, 10m or 1h"
            ) { ConfigText.isNginxTime($0) }
            for (index, header) in nginx.upstreamHeaders.enumerated() {
                let path = "spec.nginx.upstreamHeaders[\(index)]"
                report.checkConfigText(
                    header.name,
                    "header name",
                    at: origin.location(of: "\(path).name"),
                    code: .invalidValue,
                    expected: "use letters, digits and '-'"
                ) { ConfigText.isHeaderName($0) }
                if Self.reservedHeaders.contains(header.name.lowercased()) {
                    report.error(
                        .invalidOption,
                        "header '\(header.name)' is set by OnionOps for the proxy to work and cannot be overridden",
                        at: origin.location(of: "\(path).name")
                    )
                }
                report.checkConfigText(
                    header.value,
                    "header value",
                    at: origin.location(of: "\(path).value"),
                    code: .invalidValue,
                    expected: "use 1-256 printable ASCII characters"
                ) { ConfigText.isPrintableText($0) }
            }
            if !TLSSettings.lifetimeRange.contains(nginx.tls.lifetimeDays) {
                report.error(
                    .valueOutOfRange,
                    "tls lifetimeDays \(nginx.tls.lifetimeDays) is out of range \(TLSSettings.lifetimeRange.lowerBound)...\(TLSSettings.lifetimeRange.upperBound)",
                    at: origin.location(of: "spec.nginx.tls.lifetimeDays")
                )
            }
            checkSubject(nginx.tls.subject, origin: origin, into: &report)
        }
    }

    /// Subject fields reach certificates and CSRs, not nginx.conf, but
    /// are held to the same no-injection rule as every manifest string
    /// (a newline in a subject would also forge lines in `openssl x509
    /// -text` and in logs).
    private func checkSubject(_ subject: CertificateSubject, origin: ObjectOrigin, into report: inout ValidationReport)
    {
        for field in subject.fields {
            guard let value = field.value else { continue }
            let location = origin.location(of: "spec.nginx.tls.subject.\(field.key)")
            if field.key == "country" {
                report.checkConfigText(
                    value, "subject country", at: location, code: .invalidValue,
                    expected: "use a two-letter ISO 3166 country code in upper case, like NO or DE"
                ) { ConfigText.isCountryCode($0) }
            } else {
                report.checkConfigText(
                    value, "subject \(field.key)", at: location, code: .invalidValue,
                    expected: "use 1-\(field.maxLength) printable ASCII characters"
                ) { ConfigText.isPrintableText($0, maxLength: field.maxLength) }
            }
        }
    }
}
