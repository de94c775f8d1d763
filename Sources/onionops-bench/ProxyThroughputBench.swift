import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Proxy throughput: the rendered nginx of one project with N sites in
/// front of a local upstream (a second nginx serving one ~125 KB HTML page
/// full of the project's upstream names), under wrk, with body rewriting on
/// and, in the same run, the same config with every `subs_filter` line
/// taken out (a plain `proxy_pass` of the same bodies).
///
/// wrk cannot speak to a unix socket, so the bench-only copy of the config
/// gives the first site's server one extra `listen 127.0.0.1:PORT`; both
/// runs go through it, so both pay the same TCP cost.
///
/// Two paths: `deployed` is the rendered defaults, TLS from the client (as
/// on the onion's port 443 socket) and to a verified HTTPS upstream, a new
/// upstream connection per request (the variable `proxy_pass`); `isolated`
/// is plain HTTP on both sides, so rewriting's own cost stands out.
enum ProxyThroughputBench {
    enum Path: CaseIterable {
        case deployed
        case isolated

        var title: String {
            switch self {
            case .deployed: "as deployed (TLS both sides)"
            case .isolated: "isolated (HTTP both sides)"
            }
        }

        var scheme: String { self == .deployed ? "https" : "http" }
    }

    static let siteCounts = [10, 100, 1000]
    static let wrkArguments = ["-t2", "-c16", "-d5s", "--latency"]
    static let rounds = 3
    static let header = [
        "sites (names)", "path", "rewriting", "requests/s", "p50", "p99", "nginx CPU/request", "nginx RSS", "body",
        "rewriting/plain: CPU/request", "requests/s",
    ]

    struct Run {
        var requestsPerSecond: Double
        var p50: String
        var p99: String
        var rssKiB: Int
        /// CPU time of the proxy nginx (master and workers) per request, in
        /// ms: what rewriting costs, unlike requests/s hardly moved by
        /// other work on the machine (wrk and the upstream run beside it).
        var cpuMilliseconds: Double
    }

    static func rows() throws -> [[String]] {
        guard getuid() == 0 else {
            return [
                ["proxy throughput", "skipped: needs root (nginx workers drop to www-data)"]
            ]
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
            return [
                ["proxy throughput", "skipped: wrk is not installed (make bench installs it)"]
            ]
        }
        var table: [[String]] = []
        // ONIONOPS_BENCH_PROXY_SITES=100 runs one size only, for iterating.
        let only = ProcessInfo.processInfo.environment["ONIONOPS_BENCH_PROXY_SITES"].flatMap { Int($0) }
        for count in only.map({ [$0] }) ?? siteCounts {
            for path in Path.allCases {
                table += try rows(sites: count, path: path)
            }
        }
        return table
    }

    /// Rewriting on and plain for `count` sites on one path.
    static func rows(sites count: Int, path: Path) throws -> [[String]] {
        let folder = try TemporaryFolder(prefix: "oo-bproxy")
        // ONIONOPS_BENCH_KEEP=1 leaves the configs and the page behind, for
        // trying a change to the rendered config by hand.
        let keep = ProcessInfo.processInfo.environment["ONIONOPS_BENCH_KEEP"] == "1"
        defer {
            if keep { progress("proxy: kept \(folder.path)") } else { folder.remove() }
        }
        let page = Self.page(sites: count)
        _ = try folder.write("www/page.html", page)
        let upstreamPort = try freeLoopbackPort()
        var caFile: String?
        if path == .deployed {
            // The upstream's certificate comes from a CA of the bench's own,
            // which the project names as its caFile: verification stays on.
            let authority = try TestCertificateAuthority()
            let leaf = try authority.siteLeaf()
            caFile = try folder.write("ca.pem", authority.certificatePEM)
            _ = try folder.write("upstream.crt", leaf.certificatePEM)
            _ = try folder.write("upstream.key", leaf.keyPEM)
        }
        let upstream = try startNginx(
            folder: folder, name: "upstream",
            config: upstreamConfig(folder: folder.path, port: upstreamPort, tls: path == .deployed),
            port: upstreamPort, scheme: path.scheme)
        defer { upstream.stop() }

        let proxy = try renderProxy(folder: folder, sites: count, upstreamPort: upstreamPort, caFile: caFile)
        // Plain and rewriting take turns, `rounds` times each: the machine
        // is shared, and the best run of each is the one least disturbed.
        var best: [Bool: (run: Run, bytes: Int)] = [:]
        for _ in 0..<rounds {
            for rewriting in [false, true] {
                let result = try run(
                    proxy: proxy, folder: folder, page: page, rewriting: rewriting, sites: count, path: path)
                if result.run.requestsPerSecond > best[rewriting]?.run.requestsPerSecond ?? -1 {
                    best[rewriting] = result
                }
            }
        }
        let results = [false, true].compactMap { rewriting in
            best[rewriting].map { (name: rewriting ? "on" : "off (plain proxy_pass)", run: $0.run, bytes: $0.bytes) }
        }
        guard let plain = results.first?.run, let rewritten = results.last?.run else { return [] }
        let cpuRatio = rewritten.cpuMilliseconds / max(plain.cpuMilliseconds, 1e-9)
        // Throughput: cost per request is 1 / requests/s.
        let throughputRatio = plain.requestsPerSecond / max(rewritten.requestsPerSecond, 1e-9)
        return results.enumerated().map { index, result in
            [
                "\(count) (\(proxy.names))", path.title, result.name,
                String(format: "%.0f", result.run.requestsPerSecond), result.run.p50, result.run.p99,
                String(format: "%.2f ms", result.run.cpuMilliseconds),
                String(format: "%.1f MiB", Double(result.run.rssKiB) / 1024),
                "\(result.bytes / 1024) KiB",
                index == 0 ? "" : String(format: "%.2fx", cpuRatio),
                index == 0 ? "" : String(format: "%.2fx", throughputRatio),
            ]
        }
    }

    /// One nginx of the bench-only config, checked, then loaded by wrk.
    static func run(
        proxy: Proxy, folder: TemporaryFolder, page: String, rewriting: Bool, sites count: Int, path: Path
    ) throws -> (run: Run, bytes: Int) {
        let onion = SyntheticTopology.onion(0)
        let port = try freeLoopbackPort()
        var config = withLoopbackListen(proxy.config, onion: onion, port: port, path: path)
        if !rewriting {
            config = config.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("subs_filter") }
                .joined(separator: "\n")
        }
        let name = (rewriting ? "on" : "off") + "-" + path.scheme
        let configPath = try folder.write("proxy-\(name).conf", config)
        let nginx = try BackgroundProcess(
            "/usr/sbin/nginx", ["-c", configPath, "-p", proxy.root, "-g", "daemon off;"],
            log: folder.path + "/proxy-\(name).log")
        defer { nginx.stop() }
        guard nginx.wait(upTo: 30, until: { answers(port: port, scheme: path.scheme) }) else {
            throw SandboxTree.Failure(description: "the proxy nginx did not start: \(nginx.log)")
        }
        let body = try fetch(port: port, host: onion, scheme: path.scheme)
        try check(body: body, page: page, rewriting: rewriting, sites: count)
        progress("proxy: \(count) sites, \(path.title), rewriting \(name): wrk \(wrkArguments.joined(separator: " "))")
        return (try measure(port: port, host: onion, master: nginx.pid, scheme: path.scheme), body.utf8.count)
    }

    /// The config with `listen 127.0.0.1:PORT` in the first site's server:
    /// the one on port 443 (`ssl`) when deployed, where forceHttps gives
    /// port 80 a redirecting server of its own.
    static func withLoopbackListen(_ config: String, onion: String, port: Int, path: Path) -> String {
        var lines: [Substring] = []
        var tlsServer = false
        var added = false
        for line in config.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "server {" { tlsServer = false }
            if trimmed.hasPrefix("listen ") && trimmed.contains(" ssl") { tlsServer = true }
            if !added, trimmed.hasPrefix("server_name \(onion) "), path == .isolated || tlsServer {
                lines.append(
                    path == .deployed ? "        listen 127.0.0.1:\(port) ssl;" : "        listen 127.0.0.1:\(port);")
                added = true
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    // MARK: the page

    /// About 125 KB of HTML in 1,500 lines: two of three lines link to
    /// upstream names of the project's sites (apex and www, in attributes
    /// and text, one in ten near misses that must stay), the rest is prose.
    static func page(sites count: Int) -> String {
        var lines = ["<!doctype html>", "<html><head><title>bench</title></head><body>"]
        for line in 0..<1500 {
            let site = (line * 7) % count
            switch line % 3 {
            case 0:
                lines.append(
                    "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor \(line).</p>")
            case 1:
                lines.append(
                    "<li><a href=\"https://www.site\(site).example.org/news/\(line)\">site\(site).example.org news</a></li>"
                )
            default:
                let miss = line % 10 == 2 ? "notsite\(site).example.org" : "site\(site).example.org"
                lines.append("<img src=\"//\(miss)/img/\(line).png\" alt=\"picture \(line) of the series\">")
            }
        }
        lines.append("</body></html>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rewritten: no upstream name of a site is left, near misses are; plain:
    /// the upstream's page byte for byte.
    static func check(body: String, page: String, rewriting: Bool, sites: Int) throws {
        if !rewriting {
            guard body == page else { throw SandboxTree.Failure(description: "the plain proxy changed the page") }
            return
        }
        let leftover = try NSRegularExpression(pattern: "(?<![a-z0-9-])site[0-9]+\\.example\\.org")
        let range = NSRange(body.startIndex..., in: body)
        let left = leftover.numberOfMatches(in: body, range: range)
        guard left == 0, body.contains("notsite"), body.contains("www.\(SyntheticTopology.onion(0))") else {
            throw SandboxTree.Failure(description: "rewriting with \(sites) sites left \(left) upstream names")
        }
    }

    // MARK: nginx

    struct Proxy {
        var root: String
        var config: String
        var names: Int
    }

    /// The real renderer's nginx config for one hardmap project of `count`
    /// sites on one local host, written with its certificates.
    static func renderProxy(folder: TemporaryFolder, sites count: Int, upstreamPort: Int, caFile: String?) throws
        -> Proxy
    {
        let root = folder.path + "/h1"
        var text = """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: h1}
            spec: {local: {root: \(root)}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: p}
            spec:
              mode: hardmap
              placement: {hosts: [h1]}
              nginx:
            \(caFile.map { "    upstream: {caFile: \($0)}" } ?? "    forceHttps: false\n    upstream: {scheme: http}")
              sites:

            """
        for site in 0..<count {
            text += """
                    - onion: \(SyntheticTopology.onion(site))
                      upstream: site\(site).example.org
                      subdomains: [www]
                      upstreamAddress: 127.0.0.1:\(upstreamPort)

                """
        }
        let loaded = ManifestLoader().load([ManifestFile(path: "proxy.yaml", text: text)])
        guard loaded.isValid else {
            throw SandboxTree.Failure(description: loaded.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let state = try Renderer(identities: TestBackendIdentities()).render(loaded.topology)
        guard let host = state.hosts.first, let project = loaded.topology.projects.first else {
            throw SandboxTree.Failure(description: "nothing rendered")
        }
        try SandboxTree.write(host, root: host.root)
        let layout = HostLayout(root: host.root)
        let certificate = try TestCertificate.make(commonName: SyntheticTopology.onion(0))
        for site in project.sites {
            guard case .success(let address) = OnionAddress.parse(site.onion),
                host.file(at: HostLayout.tlsCertificate(project: project.name, site: address)) == nil
            else { continue }
            try certificate.certificatePEM.write(
                to: URL(
                    fileURLWithPath: layout.resolve(HostLayout.tlsCertificate(project: project.name, site: address))))
            try certificate.keyPEM.write(
                to: URL(fileURLWithPath: layout.resolve(HostLayout.tlsKey(project: project.name, site: address))))
        }
        let config = try String(
            contentsOfFile: layout.resolve(HostLayout.nginxConfig(project: project.name)), encoding: .utf8)
        return Proxy(root: host.root, config: config, names: project.sites.count)
    }

    static func upstreamConfig(folder: String, port: Int, tls: Bool) -> String {
        """
        user www-data;
        worker_processes 1;
        pid \(folder)/upstream.pid;
        error_log \(folder)/upstream-error.log warn;
        events { worker_connections 1024; }
        http {
            access_log off;
            client_body_temp_path \(folder)/tmp;
            proxy_temp_path \(folder)/tmp;
            fastcgi_temp_path \(folder)/tmp;
            uwsgi_temp_path \(folder)/tmp;
            scgi_temp_path \(folder)/tmp;
            server {
                listen 127.0.0.1:\(port)\(tls ? " ssl" : "") default_server;
                \(tls ? "ssl_certificate \(folder)/upstream.crt; ssl_certificate_key \(folder)/upstream.key;" : "")
                root \(folder)/www;
                location / { default_type text/html; try_files /page.html =404; }
            }
        }

        """
    }

    static func startNginx(folder: TemporaryFolder, name: String, config: String, port: Int, scheme: String) throws
        -> BackgroundProcess
    {
        let path = try folder.write("\(name).conf", config)
        let nginx = try BackgroundProcess(
            "/usr/sbin/nginx", ["-c", path, "-p", folder.path, "-g", "daemon off;"], log: folder.path + "/\(name).log")
        guard nginx.wait(upTo: 10, until: { answers(port: port, scheme: scheme) }) else {
            nginx.stop()
            throw SandboxTree.Failure(description: "\(name) nginx did not start: \(nginx.log)")
        }
        return nginx
    }

    /// curl -k: the bench's certificates are its own (nginx, not curl,
    /// verifies the upstream's).
    static func answers(port: Int, scheme: String) -> Bool {
        (try? Command.run(
            "/usr/bin/curl", ["-sk", "-o", "/dev/null", "--max-time", "2", "\(scheme)://127.0.0.1:\(port)/"]))?
            .succeeded ?? false
    }

    static func fetch(port: Int, host: String, scheme: String) throws -> String {
        let result = try Command.capture(
            "/usr/bin/curl", ["-skf", "--max-time", "10", "-H", "Host: \(host)", "\(scheme)://127.0.0.1:\(port)/"])
        guard result.exitCode == 0 else {
            throw SandboxTree.Failure(description: "curl through the proxy failed: \(result.stderr)")
        }
        return result.stdout
    }

    // MARK: wrk and /proc

    static func measure(port: Int, host: String, master: Int32, scheme: String) throws -> Run {
        let before = cpuTicks(master: master)
        let result = try Command.capture(
            "/usr/bin/wrk", wrkArguments + ["-H", "Host: \(host)", "\(scheme)://127.0.0.1:\(port)/"])
        let ticks = cpuTicks(master: master) - before
        guard result.exitCode == 0 else { throw SandboxTree.Failure(description: "wrk: \(result.stderr)") }
        let output = result.stdout
        if output.contains("Non-2xx") {
            throw SandboxTree.Failure(description: "wrk saw errors:\n\(output)")
        }
        // wrk gives up on a request after 2 s: say so next to p99, which
        // then understates.
        let errors = output.split(separator: "\n").first { $0.contains("Socket errors") }
        return Run(
            requestsPerSecond: Double(value(after: "Requests/sec:", in: output) ?? "") ?? 0,
            p50: value(after: "50%", in: output) ?? "?",
            p99: (value(after: "99%", in: output) ?? "?")
                + (errors.map { " (" + $0.trimmingCharacters(in: .whitespaces) + ")" } ?? ""),
            rssKiB: rss(master: master),
            cpuMilliseconds: Double(ticks) * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
                / max(Double(requestCount(output)), 1))
    }

    /// The first word after `label` at the start of a line.
    static func value(after label: String, in output: String) -> String? {
        for line in output.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(label) {
                return trimmed.dropFirst(label.count).split(whereSeparator: \.isWhitespace).first.map(String.init)
            }
        }
        return nil
    }

    /// "12345 requests in 5.00s, ..."
    static func requestCount(_ output: String) -> Int {
        for line in output.split(separator: "\n") where line.contains(" requests in ") {
            return line.split(separator: " ").first.flatMap { Int($0) } ?? 0
        }
        return 0
    }

    /// The nginx processes: the master and its workers.
    static func processes(master: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry) else { return nil }
            if pid == master { return pid }
            guard let status = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8) else { return nil }
            return value(after: "PPid:", in: status).flatMap { Int32($0) } == master ? pid : nil
        }
    }

    /// utime + stime of the master and its workers, in clock ticks.
    static func cpuTicks(master: Int32) -> Int {
        processes(master: master).reduce(0) { total, pid in
            // The fields after the command name, which may hold spaces:
            // state is field 3, utime 14 and stime 15.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return total }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return total }
            return total + user + system
        }
    }

    /// VmRSS of the master and its workers, in KiB.
    static func rss(master: Int32) -> Int {
        processes(master: master).reduce(0) { total, pid in
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            return total + (value(after: "VmRSS:", in: status).flatMap { Int($0) } ?? 0)
        }
    }

    static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SandboxTree.Failure(description: "socket: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
            }
        }
        guard bound else { throw SandboxTree.Failure(description: "bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
