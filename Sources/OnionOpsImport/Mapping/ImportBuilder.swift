import OnionOpsCore
import OnionOpsKeys

/// Configurations and what was found around them to manifests: one Host
/// per worker (or `--host`), one Project per EOTK project, a Balancer per
/// softmap project, every setting mapped or reported.
public enum ImportBuilder {
    /// EOTK's defaults that OnionOps does not share, written out so an
    /// imported project behaves as it did.
    static let eotkDefaults: [(name: String, value: String)] = [
        ("tor_single_onion", "1"),
        ("force_https", "1"),
        ("suppress_header_hsts", "1"),
        ("x_from_onion_value", "1"),
        ("nginx_cache_seconds", "60"),
        ("hard_mode", "1"),
        ("drop_unrewritable_content", "1"),
    ]

    public static func build(_ configurations: [EOTKConfiguration], material: ImportMaterial, options: ImportOptions)
        -> ImportPlan
    {
        var plan = ImportPlan()
        let hosts = hostList(material: material, options: options, report: &plan.report)
        let master = hosts.first { $0.entry?.isLocal == true } ?? hosts[0]
        var usedNames: Set<String> = []
        var hostsText = [
            "# Written by `onionops import`. Each Host is a server OnionOps reaches over SSH."
        ]
        for host in hosts { hostsText += hostDocument(host, options: options) }
        plan.files.append((path: "hosts.yaml", text: hostsText.joined(separator: "\n") + "\n"))

        for configuration in configurations {
            // Each setting line's outcome: the first project that uses it
            // (nginx_workers is a hardmap's, softmap_tor_workers a softmap's).
            var outcomes = [OptionOutcome?](repeating: nil, count: configuration.settingLines.count)
            for project in configuration.projects {
                let name = uniqueName(project.name, used: &usedNames)
                if name != project.name {
                    plan.report.diagnostics.append(
                        .warning(
                            .importOutput,
                            "project '\(project.name)' is written as '\(name)' (OnionOps names are lowercase letters, digits and hyphens, at most 32)",
                            at: project.maps.first?.location
                        )
                    )
                }
                var context = OptionContext(spec: ManifestTree(), mode: project.mode)
                context.spec.set("mode", .string(project.mode.rawValue))
                let placed = project.mode == .hardmap ? [master] : hosts
                context.spec.set("placement.hosts", .list(placed.map { .string($0.name) }))
                context.spec.set("placement.torInstances", .int(project.mode == .softmap ? 2 : 1))
                var sites: [ManifestValue] = []
                for map in project.maps {
                    var site = ManifestTree()
                    site.set("onion", .string(map.address.description))
                    site.set("upstream", .string(map.domain))
                    if !map.subdomains.isEmpty { site.set("subdomains", .list(map.subdomains.map { .string($0) })) }
                    sites.append(.map(site))
                    plan.report.entries.append(
                        .init(
                            file: configuration.file, location: map.location,
                            statement: "\(map.mode.rawValue) \(map.address) \(map.domain)"
                                + (map.subdomains.isEmpty ? "" : " " + map.subdomains.joined(separator: " ")),
                            status: "mapped", keys: ["projects/\(name).yaml: spec.sites"], reason: nil, project: name
                        )
                    )
                    if let key = material.keys[map.address] {
                        plan.onionKeys.append(key)
                    } else {
                        plan.report.diagnostics.append(
                            .error(
                                .importKey,
                                "no key for \(map.address): looked for \(map.keyPath ?? "secrets.d/ or secrets/\(map.address.description.dropLast(6)).v3sec.key"); without it the address would change",
                                at: map.location
                            )
                        )
                    }
                }
                context.spec.set("sites", .list(sites))
                if !configuration.foreignMaps.isEmpty {
                    context.spec.set(
                        "nginx.foreignSites",
                        .list(
                            configuration.foreignMaps.map {
                                var item = ManifestTree()
                                item.set("onion", .string($0.address.description))
                                item.set("upstream", .string($0.domain))
                                return .map(item)
                            }
                        ),
                        comment: "foreignmap lines"
                    )
                }
                // Settings first, then EOTK defaults where the file is silent.
                for (index, setting) in configuration.settingLines.enumerated() {
                    let outcome = apply(setting, to: &context)
                    if outcomes[index] == nil || outcomes[index]?.status == "ignored" { outcomes[index] = outcome }
                }
                for (eotkName, value) in eotkDefaults where configuration.settings[eotkName] == nil {
                    let setting = EOTKSetting(
                        name: eotkName, words: [EOTKToken(value, at: .start(of: configuration.file))],
                        location: .start(of: configuration.file)
                    )
                    var defaults = context
                    guard case .mapped(let keys) = apply(setting, to: &defaults) else { continue }
                    for key in keys {
                        if let written = defaults.spec.value(at: key) {
                            context.spec.set(key, written, comment: "EOTK's default \(eotkName) \(value)")
                        }
                    }
                    plan.report.entries.append(
                        .init(
                            file: configuration.file, location: nil, statement: "(EOTK default) \(eotkName) \(value)",
                            status: "defaulted", keys: keys, reason: nil, project: name
                        )
                    )
                }
                applyCertificates(project, name: name, material: material, context: &context, plan: &plan)
                limitBackends(&context, hosts: placed.count, project: name, plan: &plan)
                // A setting's problem is the same in every project of the file.
                for diagnostic in context.diagnostics where !plan.report.diagnostics.contains(diagnostic) {
                    plan.report.diagnostics.append(diagnostic)
                }
                plan.files.append(
                    (
                        path: "projects/\(name).yaml",
                        text: projectDocument(
                            name: name, eotkName: project.name, file: configuration.file, spec: context.spec,
                            balancerHost: project.mode == .softmap ? master.name : nil)
                    )
                )
                if project.mode == .softmap {
                    plan.softmapProjects.append(name)
                    plan.report.nextSteps.append(
                        "project '\(name)': its backends get a new secret (keys/\(name).backends.age) and new addresses; "
                            + "EOTK's worker keys are not imported, and Onionbalance publishes the same frontend addresses"
                    )
                }
            }
            if configuration.projects.isEmpty {
                // A file of settings only: classify them all the same.
                var context = OptionContext(spec: ManifestTree(), mode: .hardmap)
                for (index, setting) in configuration.settingLines.enumerated() {
                    outcomes[index] = apply(setting, to: &context)
                }
                plan.report.diagnostics += context.diagnostics
            }
            for (setting, outcome) in zip(configuration.settingLines, outcomes) {
                guard let outcome else { continue }
                plan.report.entries.append(entry(setting, outcome, file: configuration.file, project: nil))
            }
            for dropped in configuration.droppedLines {
                plan.report.entries.append(
                    .init(
                        file: configuration.file, location: dropped.location, statement: dropped.statement,
                        status: "unsupported", keys: [], reason: dropped.reason, project: nil))
            }
            for foreign in configuration.foreignMaps {
                plan.report.entries.append(
                    .init(
                        file: configuration.file, location: foreign.location,
                        statement: "foreignmap \(foreign.address) \(foreign.domain)",
                        status: configuration.projects.isEmpty ? "unsupported" : "mapped",
                        keys: configuration.projects.isEmpty ? [] : ["nginx.foreignSites"],
                        reason: configuration.projects.isEmpty ? "no project in this file to rewrite it in" : nil,
                        project: nil
                    )
                )
            }
        }
        plan.report.entries = sortedByLine(plan.report.entries)
        return plan
    }

    /// File by file in the order given; in a file, lines top to bottom,
    /// then the EOTK defaults written out.
    static func sortedByLine(_ entries: [ImportReport.Entry]) -> [ImportReport.Entry] {
        var files: [String] = []
        for entry in entries where !files.contains(entry.file) { files.append(entry.file) }
        return entries.enumerated().sorted { lhs, rhs in
            let (l, r) = (lhs.element, rhs.element)
            if l.file != r.file { return files.firstIndex(of: l.file) ?? 0 < files.firstIndex(of: r.file) ?? 0 }
            switch (l.location, r.location) {
            case (let a?, let b?): return (a.line, a.column, lhs.offset) < (b.line, b.column, rhs.offset)
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return lhs.offset < rhs.offset
            }
        }.map(\.element)
    }

    static func apply(_ setting: EOTKSetting, to context: inout OptionContext) -> OptionOutcome {
        guard let rule = OptionTable.rule(for: setting.name) else {
            return .unsupported("not an EOTK or Onionspray setting OnionOps knows (EOTK would warn: possible typo?)")
        }
        return rule.apply(setting, &context)
    }

    static func entry(_ setting: EOTKSetting, _ outcome: OptionOutcome, file: String, project: String?)
        -> ImportReport.Entry
    {
        ImportReport.Entry(
            file: file, location: setting.location, statement: "set \(setting.name) \(setting.value)",
            status: outcome.status, keys: outcome.keys, reason: outcome.reason, project: project
        )
    }

    // MARK: hosts

    struct HostSpec {
        var name: String
        var entry: WorkerEntry?
    }

    static func hostList(material: ImportMaterial, options: ImportOptions, report: inout ImportReport) -> [HostSpec] {
        guard let workers = material.workers, !workers.isEmpty else {
            report.nextSteps.append(
                "hosts.yaml: set spec.ssh.address (and user) of host '\(options.hostName)' to the server that ran EOTK"
            )
            return [HostSpec(name: options.hostName, entry: nil)]
        }
        var used: Set<String> = []
        return workers.map { worker in
            let base = worker.isLocal ? "local" : String(worker.address.split(separator: ".").first ?? "worker")
            return HostSpec(name: uniqueName(base, used: &used), entry: worker)
        }
    }

    static func hostDocument(_ host: HostSpec, options: ImportOptions) -> [String] {
        var spec = ManifestTree()
        if let sandbox = options.sandboxRoot {
            spec.set("local.root", .string("\(sandbox)/\(host.name)"))
            spec.set("supervision", .string("direct"))
        } else if let entry = host.entry, entry.isLocal {
            spec.set("local.root", .string("/"), comment: "eotk-workers.conf: localhost, the machine OnionOps runs on")
        } else if let entry = host.entry {
            spec.set("ssh.address", .string(entry.address), comment: "eotk-workers.conf")
            spec.set("ssh.user", .string(entry.user ?? "root"))
        } else {
            spec.set("ssh.address", .string(host.name), comment: "FILL IN: the address of the server")
            spec.set("ssh.user", .string("root"), comment: "FILL IN: the SSH user")
        }
        return ["---", "apiVersion: onionops/v1", "kind: Host", "metadata: {name: \(host.name)}", "spec:"]
            + spec.lines(indent: 2)
    }

    // MARK: projects

    static func projectDocument(name: String, eotkName: String, file: String, spec: ManifestTree, balancerHost: String?)
        -> String
    {
        var lines = [
            "# Imported by `onionops import` from project '\(YAMLScalar.commentSafe(eotkName))' of \(YAMLScalar.commentSafe(file)).",
            "# Each key's comment names the EOTK line it came from.",
            "apiVersion: onionops/v1",
            "kind: Project",
            "metadata: {name: \(name)}",
            "spec:",
        ]
        lines += spec.lines(indent: 2)
        if let balancerHost {
            let balancer = String((name + "-front").prefix(ConfigText.maxNameLength))
            lines += [
                "---",
                "# Onionbalance publishes each site's address from the backends above.",
                "apiVersion: onionops/v1",
                "kind: Balancer",
                "metadata: {name: \(balancer)}",
                "spec:",
                "  project: \(name)",
                "  hosts: [\(balancerHost)]",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// At most 8 backends per frontend (Onionbalance's descriptor limit).
    static func limitBackends(_ context: inout OptionContext, hosts: Int, project: String, plan: inout ImportPlan) {
        guard context.mode == .softmap, case .int(let instances)? = context.spec.value(at: "placement.torInstances"),
            hosts * instances > 8
        else { return }
        let fitted = max(1, 8 / hosts)
        context.spec.set("placement.torInstances", .int(fitted), comment: "at most 8 backends per frontend")
        plan.report.diagnostics.append(
            .warning(
                .importOutput,
                "project '\(project)': \(hosts) hosts x \(instances) tor workers is more than Onionbalance's 8 backends; written as \(fitted) per host",
                at: nil
            )
        )
    }

    /// A valid OnionOps name: lowercase, other characters as hyphens, at most 32.
    static func uniqueName(_ raw: String, used: inout Set<String>) -> String {
        var name = String(
            raw.lowercased().unicodeScalars.map {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "-"
            }
        )
        name = String(name.prefix(ConfigText.maxNameLength)).trimmingHyphens()
        if name.isEmpty { name = "project" }
        var candidate = name
        var counter = 2
        while used.contains(candidate) {
            let suffix = "-\(counter)"
            candidate = String(name.prefix(ConfigText.maxNameLength - suffix.count)).trimmingHyphens() + suffix
            counter += 1
        }
        used.insert(candidate)
        return candidate
    }

    // MARK: certificates

    /// EOTK's certificate files for a project: per onion
    /// `<first 20>-v3.onion.cert` and `.pem` (or without `.onion`), or one
    /// `<project>.cert` and `.pem` (`ssl_cert_each_onion 0`).
    static func applyCertificates(
        _ project: EOTKConfiguration.Project, name: String, material: ImportMaterial, context: inout OptionContext,
        plan: inout ImportPlan
    ) {
        let files = material.certificateFiles[project.name] ?? [:]
        let folder = material.certificateFolders[project.name] ?? "ssl.d"
        var caIssued = 0
        var found = 0
        func take(_ base: String, owner: ImportPlan.TLSOwnerName) -> Bool {
            guard let certificate = files[base + ".cert"], let key = files[base + ".pem"] else { return false }
            let source = "\(folder)/\(base).cert"
            let facts: TLSCertificateFacts
            do {
                facts = try TLSCertificateFacts(chainPEM: certificate)
            } catch {
                plan.report.diagnostics.append(.error(.importCertificate, "\(source): \(error.message)", at: nil))
                return true
            }
            let normalized: String
            do {
                normalized = try TLSKeyNormalizer.pkcs8(key)
            } catch {
                plan.report.diagnostics.append(
                    .error(.importCertificate, "\(folder)/\(base).pem \(error.message)", at: nil))
                return true
            }
            guard facts.isCertified(keyPEM: normalized) else {
                plan.report.diagnostics.append(
                    .error(.importCertificate, "\(folder)/\(base).pem is not the key of \(source)", at: nil)
                )
                return true
            }
            if !facts.isSelfIssued { caIssued += 1 }
            found += 1
            plan.tlsPairs.append(.init(owner: owner, certificatePEM: certificate, keyPEM: normalized, source: source))
            return true
        }
        let projectCertificate = take(project.name, owner: .project(name))
        if projectCertificate {
            context.spec.set("nginx.tls.scope", .string("project"), comment: "\(folder)/\(project.name).cert")
        } else {
            for map in project.maps {
                let first20 = String(map.address.description.prefix(20))
                if !take("\(first20)-v3.onion", owner: .site(map.address)) {
                    _ = take("\(first20)-v3", owner: .site(map.address))
                }
            }
        }
        let wanted = projectCertificate ? 1 : project.maps.count
        if caIssued > 0 && found == wanted {
            context.spec.set("nginx.tls.source", .string("operator"), comment: "CA-issued certificates from \(folder)")
        } else if caIssued > 0 {
            plan.report.diagnostics.append(
                .warning(
                    .importCertificate,
                    "project '\(name)': \(caIssued) CA-issued certificate(s) imported, but \(wanted - found) onion(s) have none; `onionops keys tls` will make self-signed ones for those",
                    at: nil
                )
            )
        }
        if found < wanted {
            plan.report.nextSteps.append(
                "project '\(name)': \(wanted - found) onion(s) had no certificate in \(folder); `onionops keys tls OUT` makes self-signed ones (import ran it)"
            )
        }
    }
}

extension String {
    fileprivate func trimmingHyphens() -> String {
        var text = self
        while text.hasPrefix("-") { text.removeFirst() }
        while text.hasSuffix("-") { text.removeLast() }
        return text
    }
}
