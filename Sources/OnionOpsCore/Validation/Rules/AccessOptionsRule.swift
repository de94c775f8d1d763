/// Block, deny and allow lists, redirects and fixed answers: every string
/// here reaches nginx.conf, as a regex, a quoted literal, a URL or a body.
struct AccessOptionsRule: ValidationRule {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        for project in topology.projects {
            let access = project.nginx.access
            let origin = project.origin
            for (key, rules) in [("block", access.block), ("deny", access.deny), ("allowOnly", access.allowOnly)] {
                check(rules, at: "spec.nginx.\(key)", origin: origin, into: &report)
            }
            checkMessage(access.blockMessage, at: origin.location(of: "spec.nginx.blockMessage"), into: &report)
            if !AccessOptions.denyStatusRange.contains(access.denyStatus) {
                report.error(
                    .valueOutOfRange,
                    "denyStatus \(access.denyStatus) is out of range 400...599 (444 closes the connection)",
                    at: origin.location(of: "spec.nginx.denyStatus"))
            }
            if let lock = access.cookieLock {
                report.checkConfigText(
                    lock,
                    "cookieLock",
                    at: origin.location(of: "spec.nginx.cookieLock"),
                    code: .invalidPath,
                    expected: "use a path like /unlock-4f2a9c of 2-128 letters, digits, '/', '.', '_' or '-'"
                ) { ConfigText.isCookieLockPath($0) }
            }
            for (index, redirect) in access.redirects.enumerated() {
                checkRedirect(redirect, at: "spec.nginx.redirects[\(index)]", origin: origin, into: &report)
            }
            for key in ["fixedResponses", "caValidation"] {
                let responses = key == "fixedResponses" ? access.fixedResponses : access.caValidation
                for (index, response) in responses.enumerated() {
                    checkResponse(response, at: "spec.nginx.\(key)[\(index)]", origin: origin, into: &report)
                }
                report.checkUnique(responses.map(\.path), "\(key) path") {
                    origin.location(of: "spec.nginx.\(key)[\($0)].path")
                }
            }
        }
    }

    private func check(
        _ rules: RequestRules, at path: String, origin: ObjectOrigin, into report: inout ValidationReport
    ) {
        for (index, prefix) in rules.paths.enumerated() {
            report.checkConfigText(
                prefix, "path", at: origin.location(of: "\(path).paths[\(index)]"), code: .invalidPath,
                expected: "use a URL path prefix starting with '/'"
            ) { ConfigText.isURLPathPrefix($0) }
        }
        for (index, host) in rules.hosts.enumerated() {
            report.checkConfigText(
                host, "host", at: origin.location(of: "\(path).hosts[\(index)]"), code: .invalidDNSName,
                expected: "use a subdomain like admin, or a full upstream host name"
            ) { ConfigText.isDNSName($0, minLabels: 1) }
        }
        let literals = [("userAgents", rules.userAgents), ("referers", rules.referers), ("origins", rules.origins)]
        for (key, values) in literals {
            for (index, value) in values.enumerated() {
                report.checkQuotedText(
                    value, String(key.dropLast()), at: origin.location(of: "\(path).\(key)[\(index)]"),
                    expected: "use 1-256 printable ASCII characters"
                ) { ConfigText.isPrintableText($0) }
            }
        }
        for (key, values) in rules.patterns {
            for (index, value) in values.enumerated() {
                checkPattern(value, at: origin.location(of: "\(path).\(key)[\(index)]"), into: &report)
            }
        }
        for (key, params) in [("params", rules.params), ("paramPatterns", rules.paramPatterns)] {
            for (index, param) in params.enumerated() {
                let item = "\(path).\(key)[\(index)]"
                report.checkConfigText(
                    param.name, "parameter name", at: origin.location(of: "\(item).name"), code: .invalidValue,
                    expected: "use 1-64 letters, digits or '_'"
                ) { ConfigText.isParamName($0) }
                if key == "params" {
                    report.checkQuotedText(
                        param.value, "parameter value", at: origin.location(of: "\(item).value"),
                        expected: "use 1-256 printable ASCII characters"
                    ) { ConfigText.isPrintableText($0) }
                } else {
                    checkPattern(param.value, at: origin.location(of: "\(item).pattern"), into: &report)
                }
            }
        }
    }

    private func checkPattern(_ pattern: String, at location: SourceLocation, into report: inout ValidationReport) {
        report.checkQuotedText(
            pattern, "pattern", at: location,
            expected: "use a Perl-style regular expression of 1-512 ASCII characters (matched case-insensitively)"
        ) { ConfigText.isPattern($0) }
    }

    private func checkMessage(_ text: String, at location: SourceLocation, into report: inout ValidationReport) {
        report.checkQuotedText(
            text, "blockMessage", at: location, expected: "use 1-256 printable ASCII characters without '$'"
        ) { ConfigText.isPrintableText($0) && !$0.contains("$") }
    }

    private func checkRedirect(
        _ redirect: Redirect, at path: String, origin: ObjectOrigin, into report: inout ValidationReport
    ) {
        switch redirect.match {
        case .host(let pattern): checkPattern(pattern, at: origin.location(of: "\(path).host"), into: &report)
        case .path(let pattern): checkPattern(pattern, at: origin.location(of: "\(path).path"), into: &report)
        }
        report.checkConfigText(
            redirect.to, "redirect target", at: origin.location(of: "\(path).to"), code: .invalidValue,
            expected: "use an http(s) URL like https://www.<onion>"
        ) { ConfigText.isHTTPURL($0) }
        if !Redirect.codes.contains(redirect.code) {
            report.error(
                .valueOutOfRange, "redirect code \(redirect.code) is not one of 301, 302, 303, 307 or 308",
                at: origin.location(of: "\(path).code"))
        }
    }

    private func checkResponse(
        _ response: FixedResponse, at path: String, origin: ObjectOrigin, into report: inout ValidationReport
    ) {
        report.checkConfigText(
            response.path, "path", at: origin.location(of: "\(path).path"), code: .invalidPath,
            expected: "use an exact URL path starting with '/'"
        ) { ConfigText.isURLPathPrefix($0) }
        let body = String(response.body.map { $0 == "\n" ? " " : $0 })
        report.checkQuotedText(
            body, "body", at: origin.location(of: "\(path).body"),
            expected: "use 1-\(FixedResponse.maxBodyBytes) printable ASCII characters and newlines, without '$'"
        ) { _ in ConfigText.isResponseBody(response.body, maxLength: FixedResponse.maxBodyBytes) }
        report.checkConfigText(
            response.contentType, "contentType", at: origin.location(of: "\(path).contentType"), code: .invalidValue,
            expected: "use a lowercase MIME type like text/plain"
        ) { ConfigText.isMIMEType($0) }
    }
}
