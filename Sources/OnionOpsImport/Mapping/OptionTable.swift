import OnionOpsCore

/// Every EOTK and Onionspray setting OnionOps knows, and what it becomes.
/// A name not here is reported as unsupported (EOTK itself warns of a
/// possible typo for a name it does not know).
public enum OptionTable {
    public static func rule(for name: String) -> OptionRule? { rules[name] }

    public static let rules: [String: OptionRule] = {
        var rules: [String: OptionRule] = [:]
        rules.merge(accessRules, uniquingKeysWith: { first, _ in first })
        rules.merge(proxyRules, uniquingKeysWith: { first, _ in first })
        rules.merge(torRules, uniquingKeysWith: { first, _ in first })
        rules.merge(internalRules, uniquingKeysWith: { first, _ in first })
        return rules
    }()

    // MARK: access control

    /// block_* (403 with block_err), *_blacklist (nginx_action_abort) and
    /// *_whitelist, over each request part, literal and `_re`.
    static let accessRules: [String: OptionRule] = {
        let parts: [(eotk: String, literal: String, pattern: String)] = [
            ("host", "hosts", "hostPatterns"),
            ("path", "paths", "pathPatterns"),
            ("user_agent", "userAgents", "userAgentPatterns"),
            ("referer", "referers", "refererPatterns"),
            ("origin", "origins", "originPatterns"),
        ]
        var rules: [String: OptionRule] = [:]
        for part in parts {
            for (prefix, suffix, section) in [
                ("block_", "", "nginx.block"), ("", "_blacklist", "nginx.deny"), ("", "_whitelist", "nginx.allowOnly"),
            ] {
                rules["\(prefix)\(part.eotk)\(suffix)"] = .list("\(section).\(part.literal)")
                rules["\(prefix)\(part.eotk)\(suffix)_re"] = .list(
                    "\(section).\(part.pattern)", transform: OptionRule.unescapeRegex)
            }
        }
        rules["block_location"] = .list("nginx.block.paths")
        rules["block_location_re"] = .list("nginx.block.pathPatterns", transform: OptionRule.unescapeRegex)
        for (prefix, suffix, section) in [
            ("block_", "", "nginx.block"), ("", "_blacklist", "nginx.deny"), ("", "_whitelist", "nginx.allowOnly"),
        ] {
            rules["\(prefix)param\(suffix)"] = .params("\(section).params", valueKey: "value", regex: false)
            rules["\(prefix)param\(suffix)_re"] = .params("\(section).paramPatterns", valueKey: "pattern", regex: true)
        }
        rules["block_err"] = OptionRule { setting, context in
            var message = setting.value
            if message.count >= 2, message.hasPrefix("\""), message.hasSuffix("\"") {
                message = String(message.dropFirst().dropLast())
            }
            context.write("nginx.blockMessage", .string(message), from: setting)
            return .mapped(["nginx.blockMessage"])
        }
        rules["nginx_action_abort"] = OptionRule { setting, context in
            let words = setting.words.map(\.text)
            guard words.count == 2, words[0] == "return", let status = Int(words[1]), (400...599).contains(status)
            else {
                return .unsupported(
                    "only 'return NNN' (a status 400-599) has a manifest key, nginx.denyStatus; '\(setting.value)' is left out and deny answers 500"
                )
            }
            context.write("nginx.denyStatus", .int(status), from: setting)
            return .mapped(["nginx.denyStatus"])
        }
        rules["suppress_tor2web"] = .flag("nginx.suppressTor2web")
        rules["suppress_methods_except_get"] = .flag("nginx.getOnly")
        rules["cookie_lock"] = .word("nginx.cookieLock")
        for (name, key) in [("redirect_host", "host"), ("redirect_path", "path")] {
            rules[name] = redirects(match: key, keepURI: true)
            rules["redirect_fixed_\(key)"] = redirects(match: key, keepURI: false)
            rules["\(name)_csv"] = .unsupported(
                "deprecated in EOTK (its comment says DO NOT USE); write it as \(name) REGEX,CODE,DESTINATION and import again"
            )
        }
        rules["redirect_location_csv"] = .unsupported(
            "deprecated in EOTK (its comment says DO NOT USE); write it as redirect_path REGEX,CODE,DESTINATION and import again"
        )
        rules["hardcoded_endpoint_csv"] = fixedResponses("nginx.fixedResponses")
        rules["ssl_proof_csv"] = fixedResponses("nginx.caValidation")
        return rules
    }()

    /// `REGEX,CODE,DESTINATION` rows.
    static func redirects(match key: String, keepURI: Bool) -> OptionRule {
        OptionRule { setting, context in
            guard !setting.words.isEmpty else { return .ignored("empty: nothing to carry over") }
            var items: [ManifestValue] = []
            for row in setting.csvRows {
                guard row.count == 3, let code = Int(row[1]), !row[0].isEmpty, !row[2].isEmpty else {
                    return context.bad(setting, "'\(row.joined(separator: ","))' is not REGEX,CODE,DESTINATION")
                }
                var item = ManifestTree()
                item.set(key, .string(OptionRule.unescapeRegex(row[0])))
                item.set("to", .string(row[2]))
                item.set("code", .int(code))
                if !keepURI { item.set("keepURI", .bool(false)) }
                items.append(.map(item))
            }
            context.spec.append("nginx.redirects", items, comment: OptionContext.origin(setting))
            return .mapped(["nginx.redirects"])
        }
    }

    /// `PATH,VALUE` rows. EOTK matches PATH as a regex; a manifest path is
    /// exact, so `^/x$` and `^/x/?$` become `/x` (the second also `/x/`),
    /// and any other regex is refused for that row.
    static func fixedResponses(_ path: String) -> OptionRule {
        OptionRule { setting, context in
            guard !setting.words.isEmpty else { return .ignored("empty: nothing to carry over") }
            var items: [ManifestValue] = []
            for row in setting.csvRows {
                guard row.count >= 2, !row[0].isEmpty else {
                    return context.bad(setting, "'\(row.joined(separator: ","))' is not PATH,VALUE")
                }
                var body = row.dropFirst().joined(separator: ",")
                if body.count >= 2, body.hasPrefix("\""), body.hasSuffix("\"") {
                    body = String(body.dropFirst().dropLast())
                }
                guard let paths = literalPaths(row[0]) else {
                    return .unsupported(
                        "'\(row[0])' is a regex; \(path) answers exact paths only, so this row is left out (write the path itself and import again)"
                    )
                }
                for literal in paths {
                    var item = ManifestTree()
                    item.set("path", .string(literal))
                    item.set("body", .string(body))
                    items.append(.map(item))
                }
            }
            context.spec.append(path, items, comment: OptionContext.origin(setting))
            return .mapped([path])
        }
    }

    /// The exact paths a simple anchored regex matches, or nil.
    static func literalPaths(_ written: String) -> [String]? {
        var text = OptionRule.unescapeRegex(written)
        if text.hasPrefix("^") { text.removeFirst() }
        if text.hasSuffix("$") { text.removeLast() }
        var optionalSlash = false
        if text.hasSuffix("/?") {
            text.removeLast(2)
            optionalSlash = true
        }
        text = text.replacingOccurrences(of: "\\.", with: ".")
        let meta: Set<Character> = ["\\", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "^", "$"]
        guard text.hasPrefix("/"), !text.contains(where: { meta.contains($0) }) else { return nil }
        return optionalSlash && text != "/" ? [text, text + "/"] : [text]
    }

    // MARK: proxying

    static let proxyRules: [String: OptionRule] = {
        var rules: [String: OptionRule] = [:]
        rules["force_https"] = .flag("nginx.forceHttps")
        rules["nginx_hello_onion"] = .flag("nginx.helloOnion")
        rules["hard_mode"] = .integer(["nginx.rewrite.hardMode"], 0...2)
        rules["drop_unrewritable_content"] = .flag("nginx.rewrite.dropUnrewritable")
        rules["kludge_disable_sri"] = .flag("nginx.rewrite.disableSRI")
        rules["deonionify_post_bodies"] = .flag("nginx.requests.deonionifyPostBodies")
        rules["inject_origin"] = .word("nginx.requests.injectOrigin")
        rules["inject_referer"] = .word("nginx.requests.injectReferer")
        rules["suppress_header_csp"] = .flag("nginx.responses.suppressCSP")
        rules["suppress_header_hsts"] = .flag("nginx.responses.suppressHSTS")
        rules["suppress_header_hpkp"] = .flag("nginx.responses.suppressHPKP")
        rules["x_from_onion_value"] = OptionRule { setting, context in
            var header = ManifestTree()
            header.set("name", .string("X-From-Onion"))
            header.set("value", .string(setting.value))
            context.write("nginx.upstreamHeaders", .list([.map(header)]), from: setting)
            return .mapped(["nginx.upstreamHeaders"])
        }
        rules["extra_subs_filter_types"] = OptionRule { setting, context in
            guard !setting.words.isEmpty else { return .ignored("empty: nothing to carry over") }
            let types =
                RewriteOptions.defaultTypes
                + setting.words.map(\.text).filter { !RewriteOptions.defaultTypes.contains($0) }
            context.write("nginx.rewrite.types", .list(types.map { .string($0) }), from: setting)
            return .mapped(["nginx.rewrite.types"])
        }
        rules["extra_processing_csv"] = .unsupported(
            "rewriting other content types for URIs matching a regex has no manifest key; add the types to nginx.rewrite.types if rewriting them everywhere is right"
        )
        rules["preserve_csv"] = OptionRule { setting, context in
            guard !setting.words.isEmpty else { return .ignored("empty: nothing to carry over") }
            var preserved: [ManifestValue] = []
            for row in setting.csvRows {
                guard row.count == 4, !row[3].isEmpty else {
                    return context.bad(setting, "'\(row.joined(separator: ","))' is not TOKEN,REGEX,FLAGS,REPLACEMENT")
                }
                // EOTK keeps the name where it follows '>', '@' or white space
                // (text and e-mail addresses); the manifest keeps literals,
                // without spaces: after '@' and '>' only.
                preserved += ["@", ">"].map { .string($0 + row[3]) }
            }
            context.spec.append("nginx.rewrite.preserve", preserved, comment: OptionContext.origin(setting))
            return .mapped(["nginx.rewrite.preserve"])
        }
        rules["nginx_cache_seconds"] = OptionRule { setting, context in
            guard let seconds = Int(setting.value), seconds >= 0 else {
                return context.bad(setting, "'\(setting.value)' is not a number of seconds")
            }
            guard seconds > 0 else {
                context.write("nginx.cache.enabled", .bool(false), from: setting)
                return .mapped(["nginx.cache.enabled"])
            }
            context.write("nginx.cache.enabled", .bool(true), from: setting)
            context.write("nginx.cache.validFor", .string("\(seconds)s"), from: setting)
            context.write("nginx.cache.anyStatus", .bool(true), from: setting)
            return .mapped(["nginx.cache.enabled", "nginx.cache.validFor", "nginx.cache.anyStatus"])
        }
        rules["nginx_cache_size"] = .word("nginx.cache.maxSize")
        rules["nginx_cache_min_uses"] = .integer(["nginx.cache.minUses"], CacheSettings.minUsesRange)
        rules["no_cache_content_type"] = .list("nginx.cache.skipContentTypes")
        rules["no_cache_host"] = .list("nginx.cache.skipHosts")
        rules["nginx_block_size"] = .word("nginx.buffers.size")
        rules["nginx_block_count"] = .integer(["nginx.buffers.count"], 2...1024)
        rules["nginx_block_busy_size"] = .word("nginx.buffers.busySize")
        rules["nginx_tmpfile_size"] = .word("nginx.buffers.maxTempFileSize")
        rules["nginx_rlim"] = .integer(["nginx.workers.openFiles", "nginx.workers.connections"], 1...1_048_576)
        let workers = OptionRule { setting, context in
            if let count = Int(setting.value) {
                context.write("nginx.workers.processes", .int(count), from: setting)
            } else {
                context.write("nginx.workers.processes", .string(setting.value), from: setting)
            }
            return .mapped(["nginx.workers.processes"])
        }
        rules["nginx_workers"] = OptionRule { setting, context in
            context.mode == .hardmap
                ? workers.apply(setting, &context) : .ignored("softmap projects use softmap_nginx_workers")
        }
        rules["softmap_nginx_workers"] = OptionRule { setting, context in
            context.mode == .softmap ? workers.apply(setting, &context) : .ignored("hardmap projects use nginx_workers")
        }
        rules["nginx_syslog"] = .word("nginx.logs.errorLevel")
        rules["nginx_timeout"] = .seconds([
            "nginx.upstream.resolverValid", "nginx.upstream.resolverTimeout", "nginx.upstream.connectTimeout",
            "nginx.upstream.readTimeout",
        ])
        rules["nginx_resolver"] = OptionRule { setting, context in
            let addresses = setting.words.map(\.text).filter { !$0.contains("=") }
            guard !addresses.isEmpty else { return context.bad(setting, "names no resolver address") }
            context.write("nginx.upstream.resolver", .list(addresses.map { .string($0) }), from: setting)
            let dropped = setting.words.map(\.text).filter { $0.contains("=") }
            if !dropped.isEmpty {
                context.diagnostics.append(
                    .warning(
                        .importUnsupported,
                        "nginx_resolver: \(dropped.joined(separator: " ")) left out; OnionOps writes the addresses and nginx.upstream.resolverValid",
                        at: setting.location
                    )
                )
            }
            return .mapped(["nginx.upstream.resolver"])
        }
        rules["nginx_x_onion_circuit_id"] = OptionRule { setting, _ in
            OptionRule.truth(setting)
                ? .mapped(["tor.exportCircuitID"])  // OnionOps sends X-Onion-CircuitID whenever tor exports the id
                : .ignored("off")
        }
        rules["ssl_cert_each_onion"] = OptionRule { setting, context in
            context.write("nginx.tls.scope", .string(OptionRule.truth(setting) ? "onion" : "project"), from: setting)
            return .mapped(["nginx.tls.scope"])
        }
        rules["log_separate"] = .unsupported(
            "nginx logs one file per project; nginx.logs.access and each site's accessLog turn access logs on")
        rules["log_stdout"] = .unsupported(
            "logs go to files under /var/log/onionops, rotated by logrotate; journald has tor's and nginx's output under systemd"
        )
        rules["paths_contain_onions"] = .ignored(
            "always on in OnionOps: onion names in the request path are turned back into upstream names")
        rules["nginx_hash_bucket_size"] = .ignored("OnionOps sizes nginx's hash buckets for the names it renders (256)")
        return rules
    }()

    // MARK: tor

    static let torRules: [String: OptionRule] = {
        var rules: [String: OptionRule] = [:]
        rules["tor_single_onion"] = .flag("tor.singleOnion")
        rules["tor_intros_per_daemon"] = .integer(["tor.introductionPoints"], 3...20)
        rules["tor_max_streams"] = .integer(["tor.maxStreams"], 0...65535)
        rules["tor_max_streams_close_circuit"] = .flag("tor.maxStreamsCloseCircuit")
        rules["tor_export_circuit_id"] = .word("tor.exportCircuitID")
        rules["tor_pow_enabled"] = .flag("tor.pow.enabled")
        rules["tor_pow_queue_rate"] = .integer(["tor.pow.queueRate"], 0...Int(Int32.max))
        rules["tor_pow_queue_burst"] = .integer(["tor.pow.queueBurst"], 0...Int(Int32.max))
        rules["tor_intro_dos_defense"] = .flag("tor.introDoSDefense.enabled")
        rules["tor_intro_dos_rate_per_sec"] = .integer(["tor.introDoSDefense.ratePerSecond"], 0...Int(Int32.max))
        rules["tor_intro_dos_burst_per_sec"] = .integer(["tor.introDoSDefense.burstPerSecond"], 0...Int(Int32.max))
        rules["softmap_tor_workers"] = OptionRule { setting, context in
            guard context.mode == .softmap else { return .ignored("hardmap projects run one tor per host") }
            guard let count = Int(setting.value), (1...Placement.maxTorInstancesPerHost).contains(count) else {
                return context.bad(
                    setting,
                    "'\(setting.value)' is not a number of tor workers in 1-\(Placement.maxTorInstancesPerHost)")
            }
            context.write("placement.torInstances", .int(count), from: setting)
            return .mapped(["placement.torInstances"])
        }
        rules["tor_syslog"] = .unsupported("tor's notices.log level has no manifest key; OnionOps logs tor at notice")
        return rules
    }()

    // MARK: EOTK's internals and options with no place

    static let internalRules: [String: OptionRule] = {
        var rules: [String: OptionRule] = [:]
        for name in [
            "project", "projects_home", "project_dir", "log_dir", "ssl_dir", "tor_dir", "tor_worker_prefix",
            "preserve_before", "preserve_after", "preserve_preamble_re", "foreignmap_csv", "script_names",
            "script_pause",
            "cert_prefix", "is_softmap", "nginx_modules_dirs",
        ] {
            rules[name] = .ignored("internal to EOTK")
        }
        for index in 1...5 {
            rules["nonce128_\(index)"] = .ignored("internal to EOTK")
            rules["nonce256_\(index)"] = .ignored("internal to EOTK")
        }
        rules["onion_version"] = OptionRule { setting, context in
            setting.value == "3"
                ? .ignored("every onion is v3")
                : context.bad(setting, "only v3 onions exist since tor 0.4.6; set onion_version 3 or leave it out")
        }
        for name in ["debug_csp_sandbox", "debug_origin_headers"] {
            rules[name] = OptionRule { setting, _ in
                OptionRule.truth(setting)
                    ? .unsupported("a debugging aid of EOTK's template with no manifest key")
                    : .ignored("off")
            }
        }
        rules["debug_trap"] = .unsupported(
            "no place in OnionOps: a Lua body trap for debugging, not for production (README)")
        for name in ["nginx_template", "tor_template", "template_tool", "ssl_tool"] {
            rules[name] = .unsupported(
                "no place in OnionOps: configuration is rendered from validated manifest keys only, so the injection guarantees hold (README)"
            )
        }
        rules["ssl_mkcert"] = OptionRule { setting, _ in
            OptionRule.truth(setting)
                ? .unsupported(
                    "no place in OnionOps: mkcert's local CA; `onionops keys tls` makes self-signed certificates and `keys csr` asks a CA (README)"
                )
                : .ignored("off")
        }
        rules["cert_common_name"] = .unsupported(
            "a certificate's CN is always its first onion; the names are in its SANs")
        return rules
    }()
}
