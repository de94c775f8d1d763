/// Cache, processes, buffers, logs and extra headers: every string here is
/// written into nginx.conf.
struct NginxOptionsRule: ValidationRule {
    /// Headers OnionOps sets itself for the proxy to work.
    static let reservedHeaders: Set<String> = ["host", "accept-encoding", "connection", "upgrade"]

    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        for project in topology.projects {
            let nginx = project.nginx
            let origin = project.origin
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
            checkProcesses(nginx, origin: origin, into: &report)
            checkCache(nginx.cache, origin: origin, into: &report)
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

    private func checkProcesses(_ nginx: NginxOptions, origin: ObjectOrigin, into report: inout ValidationReport) {
        report.checkConfigText(
            nginx.processes.workers, "workers processes", at: origin.location(of: "spec.nginx.workers.processes"),
            code: .invalidValue, expected: "use auto or a number from 1 to 256"
        ) { $0 == "auto" || Int($0).map(NginxProcesses.workersRange.contains) == true }
        let ranges = [
            ("connections", nginx.processes.connections, NginxProcesses.connectionsRange),
            ("openFiles", nginx.processes.openFiles, NginxProcesses.openFilesRange),
        ]
        for (key, value, range) in ranges where !range.contains(value) {
            report.error(
                .valueOutOfRange, "workers \(key) \(value) is out of range \(range.lowerBound)...\(range.upperBound)",
                at: origin.location(of: "spec.nginx.workers.\(key)"))
        }
        let buffers = nginx.buffers
        for (key, value) in [("size", buffers.size), ("busySize", buffers.busySize)] {
            report.checkConfigText(
                value, "buffers \(key)", at: origin.location(of: "spec.nginx.buffers.\(key)"), code: .invalidValue,
                expected: "use an nginx size like 8k or 16k"
            ) { ConfigText.isNginxSize($0) && $0 != "0" }
        }
        report.checkConfigText(
            buffers.maxTempFileSize, "buffers maxTempFileSize",
            at: origin.location(of: "spec.nginx.buffers.maxTempFileSize"), code: .invalidValue,
            expected: "use an nginx size like 256m, or 0 for none"
        ) { ConfigText.isNginxSize($0) }
        // nginx refuses to start otherwise: busy buffers hold at least one
        // buffer and leave at least one free.
        if let size = ConfigText.nginxSizeBytes(buffers.size), let busy = ConfigText.nginxSizeBytes(buffers.busySize),
            ProxyBuffers.countRange.contains(buffers.count), busy < size || busy > (buffers.count - 1) * size
        {
            report.error(
                .invalidValue,
                "buffers busySize \(buffers.busySize) must be at least size (\(buffers.size)) and at most "
                    + "count - 1 buffers (\(buffers.count - 1) x \(buffers.size))",
                at: origin.location(of: "spec.nginx.buffers.busySize"))
        }
        if !ProxyBuffers.countRange.contains(buffers.count) {
            report.error(
                .valueOutOfRange, "buffers count \(buffers.count) is out of range 2...1024",
                at: origin.location(of: "spec.nginx.buffers.count"))
        }
        report.checkConfigText(
            nginx.logs.errorLevel, "logs errorLevel", at: origin.location(of: "spec.nginx.logs.errorLevel"),
            code: .invalidValue, expected: "use one of " + NginxLogs.errorLevels.joined(separator: ", ")
        ) { NginxLogs.errorLevels.contains($0) }
    }

    private func checkCache(_ cache: CacheSettings, origin: ObjectOrigin, into report: inout ValidationReport) {
        if !CacheSettings.minUsesRange.contains(cache.minUses) {
            report.error(
                .valueOutOfRange, "cache minUses \(cache.minUses) is out of range 1...1000",
                at: origin.location(of: "spec.nginx.cache.minUses"))
        }
        for (index, type) in cache.skipContentTypes.enumerated() {
            report.checkConfigText(
                type, "cache skipContentTypes", at: origin.location(of: "spec.nginx.cache.skipContentTypes[\(index)]"),
                code: .invalidValue, expected: "use a lowercase MIME type like video/mp4"
            ) { ConfigText.isMIMEType($0) }
        }
        for (index, host) in cache.skipHosts.enumerated() {
            report.checkConfigText(
                host, "cache skipHosts", at: origin.location(of: "spec.nginx.cache.skipHosts[\(index)]"),
                code: .invalidDNSName, expected: "use a subdomain like static, or a full upstream host name"
            ) { ConfigText.isDNSName($0, minLabels: 1) }
        }
    }
}
