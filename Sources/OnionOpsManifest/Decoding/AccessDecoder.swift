import OnionOpsCore

/// The access keys of a project's `nginx:` mapping (block, deny and allow
/// lists, redirects, fixed answers), read into `AccessOptions`.
enum AccessDecoder {
    static let keys = [
        "block", "deny", "allowOnly", "blockMessage", "denyStatus", "suppressTor2web", "getOnly", "cookieLock",
        "redirects", "fixedResponses", "caValidation",
    ]

    static func decode(_ nginx: MappingReader) -> AccessOptions {
        let defaults = AccessOptions()
        return AccessOptions(
            block: rules(nginx, "block"),
            deny: rules(nginx, "deny"),
            allowOnly: rules(nginx, "allowOnly"),
            blockMessage: nginx.string("blockMessage") ?? defaults.blockMessage,
            denyStatus: nginx.int("denyStatus") ?? defaults.denyStatus,
            suppressTor2web: nginx.bool("suppressTor2web") ?? defaults.suppressTor2web,
            getOnly: nginx.bool("getOnly") ?? defaults.getOnly,
            cookieLock: nginx.nullableString("cookieLock"),
            redirects: redirects(nginx),
            fixedResponses: responses(nginx, "fixedResponses"),
            caValidation: responses(nginx, "caValidation")
        )
    }

    private static func rules(_ nginx: MappingReader, _ key: String) -> RequestRules {
        guard let reader = nginx.mapping(key, allowed: RequestRules.keys) else { return RequestRules() }
        return RequestRules(
            paths: reader.stringList("paths") ?? [],
            pathPatterns: reader.stringList("pathPatterns") ?? [],
            hosts: reader.stringList("hosts") ?? [],
            hostPatterns: reader.stringList("hostPatterns") ?? [],
            userAgents: reader.stringList("userAgents") ?? [],
            userAgentPatterns: reader.stringList("userAgentPatterns") ?? [],
            referers: reader.stringList("referers") ?? [],
            refererPatterns: reader.stringList("refererPatterns") ?? [],
            origins: reader.stringList("origins") ?? [],
            originPatterns: reader.stringList("originPatterns") ?? [],
            params: params(reader, "params", valueKey: "value"),
            paramPatterns: params(reader, "paramPatterns", valueKey: "pattern")
        )
    }

    private static func params(_ reader: MappingReader, _ key: String, valueKey: String) -> [ParamMatch] {
        (reader.sequence(key) ?? []).compactMap { item -> ParamMatch? in
            guard
                let entry = MappingReader(
                    item.node, path: item.path, allowed: ["name", valueKey], context: reader.context),
                let name = entry.requiredString("name", critical: false),
                let value = entry.requiredString(valueKey, critical: false)
            else { return nil }
            return ParamMatch(name: name, value: value)
        }
    }

    private static func redirects(_ nginx: MappingReader) -> [Redirect] {
        (nginx.sequence("redirects") ?? []).compactMap { item -> Redirect? in
            guard
                let entry = MappingReader(
                    item.node, path: item.path, allowed: ["host", "path", "to", "code", "keepURI"],
                    context: nginx.context),
                let to = entry.requiredString("to", critical: false)
            else { return nil }
            let match: Redirect.Match
            switch (entry.string("host"), entry.string("path")) {
            case (let host?, nil): match = .host(host)
            case (nil, let path?): match = .path(path)
            default:
                nginx.context.error(
                    .invalidOption, "a redirect needs exactly one of 'host' or 'path' in '\(item.path)'",
                    at: item.node)
                return nil
            }
            let defaults = Redirect(match: match, to: to)
            return Redirect(
                match: match, to: to, code: entry.int("code") ?? defaults.code,
                keepURI: entry.bool("keepURI") ?? defaults.keepURI)
        }
    }

    private static func responses(_ nginx: MappingReader, _ key: String) -> [FixedResponse] {
        (nginx.sequence(key) ?? []).compactMap { item -> FixedResponse? in
            guard
                let entry = MappingReader(
                    item.node, path: item.path, allowed: ["path", "body", "contentType"], context: nginx.context),
                let path = entry.requiredString("path", critical: false),
                let body = entry.requiredString("body", critical: false)
            else { return nil }
            return FixedResponse(
                path: path, body: body, contentType: entry.string("contentType") ?? FixedResponse.defaultType)
        }
    }
}
