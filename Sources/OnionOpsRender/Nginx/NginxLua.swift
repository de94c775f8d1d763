import OnionOpsCore

/// The Lua parts of a project's nginx: what neither core nginx nor
/// subs_filter can do exactly.
///
/// - Response headers (Location, Set-Cookie, CSP...) may name several
///   upstream names several times; core nginx's map rewrites one occurrence
///   per regex, so a header with seven names needed a chain of seven maps.
///   One `ngx.re.gsub` rewrites them all.
/// - Request Cookie, query strings and POST bodies may carry any number of
///   onion names; de-onionifying them is one gsub with a table lookup, so
///   the cost does not grow with the number of sites.
/// - Refusing a compressed body of a rewritten type (520) needs the
///   upstream's headers before the response starts: a header filter.
struct NginxLua {
    let project: Project
    let names: [NameRewrite]

    static let rewrittenHeaders = [
        "Location", "Set-Cookie", "Content-Security-Policy", "Content-Security-Policy-Report-Only",
        "Access-Control-Allow-Origin", "Link", "Content-Location", "Refresh", "Timing-Allow-Origin",
        "Feature-Policy", "Permissions-Policy",
    ]

    /// Tables and functions, built once per worker.
    var initLines: [String] {
        // One short line per name: nginx's Lua block reader refuses very
        // long tokens, so the alternation is joined in Lua, not written out.
        var lines = [
            "oo = {}", "oo.to_onion = {}", "oo.to_upstream = {}", "local alternatives = {}",
            "local function add(upstream, onion)",
            "    oo.to_onion[upstream] = onion",
            "    oo.to_upstream[onion] = upstream",
            "    table.insert(alternatives, (string.gsub(upstream, \"%.\", \"\\\\.\")))",
            "end",
        ]
        for name in names { lines.append("add(\"\(name.upstream)\", \"\(name.onion)\")") }
        lines.append(
            "oo.upstream_re = [[\(NameRewrite.before)(]] .. table.concat(alternatives, \"|\") .. [[)\(NameRewrite.after)]]"
        )
        lines.append("oo.onion_re = [[[a-z2-7]{56}\\.onion]]")
        lines.append("oo.headers = {" + Self.rewrittenHeaders.map { "\"\($0)\"" }.joined(separator: ", ") + "}")
        lines.append("oo.types = {}")
        for type in project.nginx.rewrite.types { lines.append("oo.types[\"\(type)\"] = true") }
        lines += [
            "local function onion_of(m) return oo.to_onion[string.lower(m[1])] or m[0] end",
            "local function upstream_of(m) return oo.to_upstream[string.lower(m[0])] or m[0] end",
            "function oo.onionify(v)",
            "    local out = ngx.re.gsub(v, oo.upstream_re, onion_of, \"ijo\")",
            "    return out or v",
            "end",
            "function oo.deonionify(v)",
            "    local out = ngx.re.gsub(v, oo.onion_re, upstream_of, \"ijo\")",
            "    return out or v",
            "end",
        ]
        return lines
    }

    /// De-onionify what the visitor sends: Origin, Referer, Cookie, the
    /// query string and, when asked, form and JSON bodies.
    var rewriteLines: [String] {
        var lines = ["local req = ngx.req"]
        for (header, variable) in [("Origin", "http_origin"), ("Referer", "http_referer"), ("Cookie", "http_cookie")] {
            lines += [
                "local \(variable) = ngx.var.\(variable)",
                "if \(variable) then req.set_header(\"\(header)\", oo.deonionify(\(variable))) end",
            ]
        }
        lines += [
            "local args = ngx.var.args",
            "if args then",
            "    local changed = oo.deonionify(args)",
            "    if changed ~= args then req.set_uri_args(changed) end",
            "end",
        ]
        if project.nginx.requests.deonionifyPostBodies {
            // Bodies up to maxBodySize stay in memory (client_body_buffer_size
            // is set to it), so get_body_data sees them whole.
            lines += [
                "local method = req.get_method()",
                "local kind = ngx.var.content_type or \"\"",
                "if (method == \"POST\" or method == \"PUT\" or method == \"PATCH\")",
                "    and (kind:find(\"x-www-form-urlencoded\", 1, true) or kind:find(\"json\", 1, true)) then",
                "    req.read_body()",
                "    local body = req.get_body_data()",
                "    if body then req.set_body_data(oo.deonionify(body)) end",
                "end",
            ]
        }
        return lines
    }

    /// Onionify the upstream's headers, every occurrence; refuse what
    /// cannot be rewritten when asked.
    var headerFilterLines: [String] {
        var lines = [
            "local h = ngx.header",
            "for _, name in ipairs(oo.headers) do",
            "    local v = h[name]",
            "    if type(v) == \"table\" then",
            "        for i, x in ipairs(v) do v[i] = oo.onionify(x) end",
            "        h[name] = v",
            "    elseif v then",
            "        h[name] = oo.onionify(v)",
            "    end",
            "end",
        ]
        if project.nginx.rewrite.dropUnrewritable {
            lines += [
                "local encoding = ngx.var.upstream_http_content_encoding",
                "local kind = string.lower(string.match(h[\"Content-Type\"] or \"\", \"^[^;]*\"))",
                "if encoding and encoding ~= \"identity\" and oo.types[kind] then",
                "    ngx.status = 520",
                "    h[\"Content-Encoding\"] = nil",
                "    h[\"Content-Length\"] = nil",
                "    h[\"Content-Type\"] = \"text/plain\"",
                "    ngx.ctx.oo_drop = true",
                "end",
            ]
        }
        return lines
    }

    /// The body of a dropped response is replaced, never passed on.
    var bodyFilterLines: [String] {
        [
            "if ngx.ctx.oo_drop then",
            "    ngx.arg[1] = ngx.arg[2] and \"upstream content could not be rewritten\\n\" or \"\"",
            "end",
        ]
    }
}
