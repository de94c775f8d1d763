/// Dynamic nginx modules a rendered config may load, in load order
/// (ndk before Lua). Debian packages: libnginx-mod-http-subs-filter,
/// libnginx-mod-http-lua (pulls ndk).
enum NginxModule: String, CaseIterable, Comparable {
    case subsFilter = "ngx_http_subs_filter_module"
    case ndk = "ndk_http_module"
    case lua = "ngx_http_lua_module"

    var path: String { "/usr/lib/nginx/modules/\(rawValue).so" }

    static func < (lhs: NginxModule, rhs: NginxModule) -> Bool {
        let order = allCases
        return (order.firstIndex(of: lhs) ?? 0) < (order.firstIndex(of: rhs) ?? 0)
    }
}
