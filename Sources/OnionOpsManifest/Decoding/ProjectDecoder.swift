import OnionOpsCore
import Yams

enum ProjectDecoder {
    static func decode(name: String, spec node: Node, context: DecodeContext) -> Project? {
        guard
            let spec = MappingReader(
                node,
                path: "spec",
                allowed: ["mode", "placement", "sites", "tor", "nginx"],
                context: context
            )
        else {
            context.markMissingRequired()
            return nil
        }

        var mode: ProjectMode?
        if spec.has("mode") {
            mode = spec.choice("mode", as: ProjectMode.self)
            if mode == nil { context.markMissingRequired() }
        } else {
            spec.missing("mode")
        }

        var placement: Placement?
        if let reader = spec.mapping("placement", allowed: ["hosts", "torInstances"]) {
            if reader.has("hosts") {
                if let hosts = reader.stringList("hosts") {
                    placement = Placement(hosts: hosts, torInstances: reader.int("torInstances") ?? 1)
                }
            } else {
                reader.missing("hosts")
            }
        } else if !spec.has("placement") {
            spec.missing("placement")
        }
        if placement == nil { context.markMissingRequired() }

        var sites: [Site] = []
        if spec.has("sites") {
            sites = (spec.sequence("sites") ?? []).compactMap { decodeSite($0.node, path: $0.path, context: context) }
        } else {
            spec.missing("sites")
        }

        let tor =
            spec.mapping(
                "tor",
                allowed: [
                    "introductionPoints", "singleOnion", "maxStreams", "maxStreamsCloseCircuit", "exportCircuitID",
                    "pow",
                    "introDoSDefense",
                ]
            ).map(decodeTor) ?? TorOptions()
        let nginx =
            spec.mapping(
                "nginx",
                allowed: [
                    "forceHttps", "helloOnion", "cache", "upstreamHeaders", "tls", "subdomains",
                    "foreignSites", "rewrite", "requests", "responses", "upstream", "workers", "buffers", "logs",
                ] + AccessDecoder.keys
            ).map(decodeNginx) ?? NginxOptions()

        guard let mode, let placement else { return nil }
        return Project(
            name: name,
            mode: mode,
            placement: placement,
            sites: sites,
            tor: tor,
            nginx: nginx,
            origin: context.origin
        )
    }

    private static func decodeSite(_ node: Node, path: String, context: DecodeContext) -> Site? {
        guard
            let site = MappingReader(
                node,
                path: path,
                allowed: ["onion", "upstream", "subdomains", "upstreamAddress", "accessLog"],
                context: context
            )
        else { return nil }
        // A site missing its onion or upstream is dropped, not the project.
        var complete = true
        for key in ["onion", "upstream"] where !site.has(key) {
            context.error(.missingKey, "missing required key '\(key)' in '\(path)'", at: node)
            complete = false
        }
        guard complete, let onion = site.string("onion"), let upstream = site.string("upstream") else { return nil }
        return Site(
            onion: onion,
            upstream: upstream,
            subdomains: site.stringList("subdomains") ?? [],
            upstreamAddress: site.string("upstreamAddress"),
            accessLog: site.bool("accessLog")
        )
    }

    private static func decodeTor(_ tor: MappingReader) -> TorOptions {
        let defaults = TorOptions()
        let pow = tor.mapping("pow", allowed: ["enabled", "queueRate", "queueBurst"]).map { reader in
            ProofOfWork(
                enabled: reader.bool("enabled") ?? false,
                queueRate: reader.int("queueRate"),
                queueBurst: reader.int("queueBurst")
            )
        }
        let dos = tor.mapping("introDoSDefense", allowed: ["enabled", "ratePerSecond", "burstPerSecond"]).map {
            reader in
            IntroDoSDefense(
                enabled: reader.bool("enabled") ?? false,
                ratePerSecond: reader.int("ratePerSecond"),
                burstPerSecond: reader.int("burstPerSecond")
            )
        }
        return TorOptions(
            introductionPoints: tor.int("introductionPoints") ?? defaults.introductionPoints,
            singleOnion: tor.bool("singleOnion") ?? defaults.singleOnion,
            maxStreams: tor.int("maxStreams") ?? defaults.maxStreams,
            maxStreamsCloseCircuit: tor.bool("maxStreamsCloseCircuit") ?? defaults.maxStreamsCloseCircuit,
            exportCircuitID: tor.choice("exportCircuitID", as: CircuitIDExport.self) ?? defaults.exportCircuitID,
            proofOfWork: pow ?? defaults.proofOfWork,
            introDoSDefense: dos ?? defaults.introDoSDefense
        )
    }

    private static func decodeNginx(_ nginx: MappingReader) -> NginxOptions {
        let defaults = NginxOptions()
        let headers = nginx.sequence("upstreamHeaders")?.compactMap { item -> HeaderField? in
            guard
                let reader = MappingReader(
                    item.node, path: item.path, allowed: ["name", "value"], context: nginx.context),
                let name = reader.requiredString("name", critical: false),
                let value = reader.requiredString("value", critical: false)
            else { return nil }
            return HeaderField(name: name, value: value)
        }
        return NginxOptions(
            forceHttps: nginx.bool("forceHttps") ?? defaults.forceHttps,
            helloOnion: nginx.bool("helloOnion") ?? defaults.helloOnion,
            access: AccessDecoder.decode(nginx),
            cache: decodeCache(nginx) ?? defaults.cache,
            upstreamHeaders: headers ?? (nginx.has("upstreamHeaders") ? [] : defaults.upstreamHeaders),
            tls: decodeTLS(nginx) ?? defaults.tls,
            subdomains: nginx.choice("subdomains", as: SubdomainPolicy.self) ?? defaults.subdomains,
            foreignSites: decodeForeignSites(nginx),
            rewrite: nginx.mapping(
                "rewrite", allowed: ["hardMode", "preserve", "types", "disableSRI", "dropUnrewritable"]
            ).map(decodeRewrite) ?? defaults.rewrite,
            requests: nginx.mapping(
                "requests", allowed: ["deonionifyPostBodies", "injectOrigin", "injectReferer", "maxBodySize"]
            ).map(decodeRequests) ?? defaults.requests,
            responses: nginx.mapping(
                "responses", allowed: ["suppressHSTS", "suppressHPKP", "suppressCSP", "purgeFingerprints"]
            ).map(decodeResponses) ?? defaults.responses,
            upstream: nginx.mapping(
                "upstream",
                allowed: [
                    "scheme", "resolver", "resolverValid", "resolverTimeout", "connectTimeout", "readTimeout",
                    "sendTimeout", "verifyTLS", "caFile", "caDirectory",
                ]
            ).map(decodeUpstream) ?? defaults.upstream,
            processes: decodeProcesses(nginx) ?? defaults.processes,
            buffers: decodeBuffers(nginx) ?? defaults.buffers,
            logs: decodeLogs(nginx) ?? defaults.logs
        )
    }

    private static func decodeProcesses(_ nginx: MappingReader) -> NginxProcesses? {
        let defaults = NginxProcesses()
        return nginx.mapping("workers", allowed: ["processes", "connections", "openFiles"]).map { reader in
            NginxProcesses(
                workers: reader.string("processes") ?? defaults.workers,
                connections: reader.int("connections") ?? defaults.connections,
                openFiles: reader.int("openFiles") ?? defaults.openFiles
            )
        }
    }

    private static func decodeBuffers(_ nginx: MappingReader) -> ProxyBuffers? {
        let defaults = ProxyBuffers()
        return nginx.mapping("buffers", allowed: ["size", "count", "busySize", "maxTempFileSize"]).map { reader in
            ProxyBuffers(
                size: reader.string("size") ?? defaults.size,
                count: reader.int("count") ?? defaults.count,
                busySize: reader.string("busySize") ?? defaults.busySize,
                maxTempFileSize: reader.string("maxTempFileSize") ?? defaults.maxTempFileSize
            )
        }
    }

    private static func decodeLogs(_ nginx: MappingReader) -> NginxLogs? {
        let defaults = NginxLogs()
        return nginx.mapping("logs", allowed: ["access", "errorLevel"]).map { reader in
            NginxLogs(
                access: reader.bool("access") ?? defaults.access,
                errorLevel: reader.string("errorLevel") ?? defaults.errorLevel
            )
        }
    }

    private static func decodeCache(_ nginx: MappingReader) -> CacheSettings? {
        let defaults = CacheSettings()
        return nginx.mapping(
            "cache",
            allowed: ["enabled", "maxSize", "validFor", "minUses", "anyStatus", "skipContentTypes", "skipHosts"]
        ).map { reader in
            CacheSettings(
                enabled: reader.bool("enabled") ?? defaults.enabled,
                maxSize: reader.string("maxSize") ?? defaults.maxSize,
                validFor: reader.string("validFor") ?? defaults.validFor,
                minUses: reader.int("minUses") ?? defaults.minUses,
                anyStatus: reader.bool("anyStatus") ?? defaults.anyStatus,
                skipContentTypes: reader.stringList("skipContentTypes") ?? defaults.skipContentTypes,
                skipHosts: reader.stringList("skipHosts") ?? defaults.skipHosts
            )
        }
    }

    private static func decodeTLS(_ nginx: MappingReader) -> TLSSettings? {
        let defaults = TLSSettings()
        return nginx.mapping("tls", allowed: ["source", "lifetimeDays", "scope", "subject"]).map { reader in
            TLSSettings(
                source: reader.choice("source", as: TLSSource.self) ?? defaults.source,
                lifetimeDays: reader.int("lifetimeDays") ?? defaults.lifetimeDays,
                scope: reader.choice("scope", as: TLSScope.self) ?? defaults.scope,
                subject: decodeSubject(reader) ?? defaults.subject
            )
        }
    }

    private static func decodeSubject(_ tls: MappingReader) -> CertificateSubject? {
        tls.mapping(
            "subject", allowed: ["organization", "organizationalUnit", "country", "locality", "state"]
        ).map { reader in
            CertificateSubject(
                organization: reader.string("organization"),
                organizationalUnit: reader.string("organizationalUnit"),
                country: reader.string("country"),
                locality: reader.string("locality"),
                state: reader.string("state")
            )
        }
    }

    private static func decodeForeignSites(_ nginx: MappingReader) -> [ForeignSite] {
        (nginx.sequence("foreignSites") ?? []).compactMap { item -> ForeignSite? in
            guard
                let reader = MappingReader(
                    item.node, path: item.path, allowed: ["onion", "upstream"], context: nginx.context),
                let onion = reader.requiredString("onion", critical: false),
                let upstream = reader.requiredString("upstream", critical: false)
            else { return nil }
            return ForeignSite(onion: onion, upstream: upstream)
        }
    }

    private static func decodeRewrite(_ reader: MappingReader) -> RewriteOptions {
        let defaults = RewriteOptions()
        return RewriteOptions(
            hardMode: reader.int("hardMode") ?? defaults.hardMode,
            preserve: reader.stringList("preserve") ?? defaults.preserve,
            types: reader.stringList("types") ?? defaults.types,
            disableSRI: reader.bool("disableSRI") ?? defaults.disableSRI,
            dropUnrewritable: reader.bool("dropUnrewritable") ?? defaults.dropUnrewritable
        )
    }

    private static func decodeRequests(_ reader: MappingReader) -> RequestOptions {
        let defaults = RequestOptions()
        return RequestOptions(
            deonionifyPostBodies: reader.bool("deonionifyPostBodies") ?? defaults.deonionifyPostBodies,
            injectOrigin: reader.nullableString("injectOrigin"),
            injectReferer: reader.nullableString("injectReferer"),
            maxBodySize: reader.string("maxBodySize") ?? defaults.maxBodySize
        )
    }

    private static func decodeResponses(_ reader: MappingReader) -> ResponseOptions {
        let defaults = ResponseOptions()
        return ResponseOptions(
            suppressHSTS: reader.bool("suppressHSTS") ?? defaults.suppressHSTS,
            suppressHPKP: reader.bool("suppressHPKP") ?? defaults.suppressHPKP,
            suppressCSP: reader.bool("suppressCSP") ?? defaults.suppressCSP,
            purgeFingerprints: reader.bool("purgeFingerprints") ?? defaults.purgeFingerprints
        )
    }

    private static func decodeUpstream(_ reader: MappingReader) -> UpstreamOptions {
        let defaults = UpstreamOptions()
        return UpstreamOptions(
            scheme: reader.choice("scheme", as: UpstreamScheme.self) ?? defaults.scheme,
            resolver: reader.stringList("resolver") ?? defaults.resolver,
            resolverValid: reader.string("resolverValid") ?? defaults.resolverValid,
            resolverTimeout: reader.string("resolverTimeout") ?? defaults.resolverTimeout,
            connectTimeout: reader.string("connectTimeout") ?? defaults.connectTimeout,
            readTimeout: reader.string("readTimeout") ?? defaults.readTimeout,
            sendTimeout: reader.string("sendTimeout") ?? defaults.sendTimeout,
            verifyTLS: reader.bool("verifyTLS") ?? defaults.verifyTLS,
            caFile: reader.string("caFile"),
            caDirectory: reader.string("caDirectory") ?? defaults.caDirectory
        )
    }
}
