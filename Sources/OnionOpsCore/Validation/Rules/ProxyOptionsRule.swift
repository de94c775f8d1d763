/// The proxying keys of a project's `nginx:` (foreign sites, rewriting,
/// requests, responses, upstream): every string here reaches nginx.conf,
/// some of them inside regexes or Lua tables.
struct ProxyOptionsRule: ValidationRule {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        for project in topology.projects {
            checkForeignSites(project, into: &report)
            checkRewrite(project, into: &report)
            checkRequests(project, into: &report)
            checkUpstream(project, into: &report)
        }
    }

    private func checkForeignSites(_ project: Project, into report: inout ValidationReport) {
        let origin = project.origin
        let own = Set(project.sites.map(\.onion))
        for (index, foreign) in project.nginx.foreignSites.enumerated() {
            let path = "spec.nginx.foreignSites[\(index)]"
            let location = origin.location(of: "\(path).onion")
            if let bad = ConfigText.injectionCharacter(in: foreign.onion) {
                report.error(
                    .configInjection,
                    "foreign onion \(Quoted(foreign.onion)) contains \(bad), which could inject a configuration "
                        + "directive",
                    at: location)
            } else if case .failure(let error) = OnionAddress.parse(foreign.onion) {
                report.error(.invalidOnionAddress, "foreign onion \(Quoted(foreign.onion)) \(error)", at: location)
            } else if own.contains(foreign.onion) {
                report.error(
                    .siteConflict, "foreign onion \(foreign.onion) is a site of this project already", at: location)
            }
            report.checkConfigText(
                foreign.upstream,
                "foreign upstream",
                at: origin.location(of: "\(path).upstream"),
                code: .invalidDNSName,
                expected: "use a lowercase DNS name with at least two labels, like example.org"
            ) { ConfigText.isDNSName($0) }
        }
    }

    private func checkRewrite(_ project: Project, into report: inout ValidationReport) {
        let origin = project.origin
        let rewrite = project.nginx.rewrite
        if !RewriteOptions.hardModeRange.contains(rewrite.hardMode) {
            report.error(
                .valueOutOfRange, "rewrite hardMode \(rewrite.hardMode) is out of range 0...2",
                at: origin.location(of: "spec.nginx.rewrite.hardMode"))
        }
        for (index, text) in rewrite.preserve.enumerated() {
            report.checkConfigText(
                text,
                "preserve string",
                at: origin.location(of: "spec.nginx.rewrite.preserve[\(index)]"),
                code: .invalidValue,
                expected: "use 1-256 printable ASCII characters"
            ) { ConfigText.isPrintableText($0) }
        }
        for (index, type) in rewrite.types.enumerated() {
            report.checkConfigText(
                type,
                "rewrite type",
                at: origin.location(of: "spec.nginx.rewrite.types[\(index)]"),
                code: .invalidValue,
                expected: "use a lowercase MIME type like text/html"
            ) { ConfigText.isMIMEType($0) }
        }
        report.checkUnique(rewrite.types, "rewrite type") { origin.location(of: "spec.nginx.rewrite.types[\($0)]") }
    }

    private func checkRequests(_ project: Project, into report: inout ValidationReport) {
        let origin = project.origin
        let requests = project.nginx.requests
        for (key, value) in [("injectOrigin", requests.injectOrigin), ("injectReferer", requests.injectReferer)] {
            guard let value else { continue }
            report.checkConfigText(
                value,
                key,
                at: origin.location(of: "spec.nginx.requests.\(key)"),
                code: .invalidValue,
                expected: "use an http(s) URL like https://example.org"
            ) { ConfigText.isHTTPURL($0) }
        }
        report.checkConfigText(
            requests.maxBodySize,
            "maxBodySize",
            at: origin.location(of: "spec.nginx.requests.maxBodySize"),
            code: .invalidValue,
            expected: "use an nginx size like 4m or 512k"
        ) { ConfigText.isNginxSize($0) }
    }

    private func checkUpstream(_ project: Project, into report: inout ValidationReport) {
        let origin = project.origin
        let upstream = project.nginx.upstream
        if upstream.scheme == .http && project.nginx.forceHttps {
            report.error(
                .invalidOption,
                "upstream scheme http needs forceHttps: false (an https onion in front of a plain-http upstream "
                    + "would pretend a protection it does not have)",
                at: origin.location(of: "spec.nginx.upstream.scheme"))
        }
        if upstream.resolver.isEmpty {
            report.error(
                .invalidValue, "upstream resolver needs at least one address",
                at: origin.location(of: "spec.nginx.upstream.resolver"))
        }
        for (index, address) in upstream.resolver.enumerated() {
            report.checkConfigText(
                address,
                "resolver",
                at: origin.location(of: "spec.nginx.upstream.resolver[\(index)]"),
                code: .invalidValue,
                expected: "use an IP address with an optional port, like 127.0.0.1, 127.0.0.1:5353 or [::1]:53"
            ) { ConfigText.isResolverAddress($0) }
        }
        let times = [
            ("resolverValid", upstream.resolverValid), ("resolverTimeout", upstream.resolverTimeout),
            ("connectTimeout", upstream.connectTimeout), ("readTimeout", upstream.readTimeout),
            ("sendTimeout", upstream.sendTimeout),
        ]
        for (key, value) in times {
            report.checkConfigText(
                value,
                key,
                at: origin.location(of: "spec.nginx.upstream.\(key)"),
                code: .invalidValue,
                expected: "use an nginx time like 15s or 1m"
            ) { ConfigText.isNginxTime($0) }
        }
        if let caFile = upstream.caFile {
            report.checkConfigText(
                caFile,
                "caFile",
                at: origin.location(of: "spec.nginx.upstream.caFile"),
                code: .invalidPath,
                expected: "use an absolute path like /etc/ssl/certs/ca-certificates.crt"
            ) { ConfigText.isSafeAbsolutePath($0) }
        }
        report.checkConfigText(
            upstream.caDirectory,
            "caDirectory",
            at: origin.location(of: "spec.nginx.upstream.caDirectory"),
            code: .invalidPath,
            expected: "use an absolute path like /etc/ssl/certs"
        ) { ConfigText.isSafeAbsolutePath($0) }
    }
}
