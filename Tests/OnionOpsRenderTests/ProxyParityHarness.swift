import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsTestSupport

/// What a parity row changes in the one-project setup.
struct ParitySetup: Sendable {
    /// The site's certificate is made out for `wrong.invalid`.
    var wrongCertificate = false
    var verifyTLS = true
    /// The Site's upstreamAddress is `cdn.test:PORT`, resolved through the
    /// test resolver, instead of `127.0.0.1:PORT`.
    var viaCDN = false
    var maxBodySize = "4m"
    /// Trust by a CA folder (`caDirectory`, the default's form) instead of
    /// `caFile`: the test CA hashed into it, or an empty folder.
    var caDirectory: CADirectory?

    /// More of the project's `nginx:` mapping, one key per line at the
    /// left margin (access rules, logs).
    var extraNginx = ""
    /// More keys of `nginx.requests`, one per line at the left margin.
    var extraRequests = ""
    var subdomains = "any"
    /// tor's PROXY header on every stream (`tor.exportCircuitID: haproxy`):
    /// fetch through `fetchWithCircuit`.
    var exportCircuitID = false
    /// The upstream speaks plain http (`upstream.scheme: http`, which
    /// needs `forceHttps: false`).
    var plainUpstream = false

    enum CADirectory: Sendable { case withTheCA, empty }
}

/// One answer through the proxy as curl saw it.
struct ParityResponse: Sendable {
    var status: Int
    var headers: String
    var body: String

    /// Every value of header `name` (case-insensitive).
    func header(_ name: String) -> [String] {
        headers.components(separatedBy: "\r\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":"),
                line[..<colon].lowercased() == name.lowercased()
            else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    /// The Host the upstream test site saw (its hex line is never
    /// rewritten).
    var seenHost: String? {
        guard let line = body.split(separator: "\n").first(where: { $0.hasPrefix("seen-host-hex=") }) else {
            return nil
        }
        return Hex.decode(line.dropFirst("seen-host-hex=".count)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The upstream test site, the test DNS resolver and the rendered nginx in
/// front of them, as ProxyEndToEndTests sets it up: a one-project manifest
/// rendered, placed in a sandbox, nginx started on its unix sockets.
final class ProxyParityHarness {
    static let onion = TestOnions.a

    let folder: TemporaryFolder
    let site: UpstreamTestSite
    let dns: DNSTestResolver
    let proxy: BackgroundProcess
    let socketDirectory: String
    /// nginx's error and access logs.
    let logDirectory: String
    private let sandboxFolder: TemporaryFolder

    init(_ setup: ParitySetup) async throws {
        folder = try TemporaryFolder(prefix: "oo-par")
        let authority = try TestCertificateAuthority()
        let caFile = try folder.write("ca.pem", authority.certificatePEM)
        var trust = "caFile: \(caFile)"
        if let directory = setup.caDirectory {
            let path = folder.path + "/cas"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            if directory == .withTheCA {
                _ = try folder.write("cas/test-ca.pem", authority.certificatePEM)
                let hashed = try Command.run("/usr/bin/openssl", ["rehash", path])
                guard hashed.succeeded else {
                    throw SandboxTree.Failure(description: "openssl rehash: \(hashed.output)")
                }
            }
            trust = "caDirectory: \(path)"
        }
        site = try await UpstreamTestSite.start(
            leaf: setup.wrongCertificate ? try authority.wrongNameLeaf() : try authority.siteLeaf(),
            plainHTTP: setup.plainUpstream)
        do {
            dns = try DNSTestResolver(folder: folder, records: ["cdn.test": "127.0.0.1"])
        } catch {
            await site.stop()
            folder.remove()
            throw error
        }
        let manifest = Self.manifest(
            root: folder.path + "/edge-1",
            address: "\(setup.viaCDN ? "cdn.test" : "127.0.0.1"):\(site.port)",
            dnsPort: dns.port,
            trust: trust,
            setup: setup
        )
        do {
            let result = ManifestLoader().load([ManifestFile(path: "parity.yaml", text: manifest)])
            guard result.isValid else {
                throw SandboxTree.Failure(description: result.diagnostics.map(\.description).joined(separator: "\n"))
            }
            let sandbox = try RenderFixtures.placeInSandbox(
                result.topology, certificate: try TestCertificate.make(commonName: Self.onion))
            sandboxFolder = sandbox.folder
            guard let host = sandbox.state.hosts.first else {
                throw SandboxTree.Failure(description: "nothing rendered")
            }
            let layout = HostLayout(root: host.root)
            socketDirectory = layout.resolve(HostLayout.nginxSocketDirectory(project: "site"))
            logDirectory = layout.resolve(HostLayout.nginxLogDirectory(project: "site"))
            proxy = try BackgroundProcess(
                "/usr/sbin/nginx",
                ["-c", layout.resolve(HostLayout.nginxConfig(project: "site")), "-p", host.root, "-g", "daemon off;"],
                log: folder.path + "/proxy.log"
            )
        } catch {
            dns.stop()
            await site.stop()
            folder.remove()
            throw error
        }
        let socket = socketDirectory + "/p443.sock"
        // Ready when it answers, not when the socket file appears (a loaded
        // machine can leave the workers behind the master's bind); waited
        // for without holding a pool thread.
        var ready = false
        for _ in 0..<100 where !ready {
            if FileManager.default.fileExists(atPath: socket) {
                let probe = try? await Command.runAsync(
                    "/usr/bin/curl",
                    [
                        "-sk", "--max-time", "2", "-o", "/dev/null", "--unix-socket", socket,
                        "https://\(Self.onion)/hello-onion",
                    ] + (setup.exportCircuitID ? ["--haproxy-protocol"] : []))
                ready = probe?.succeeded == true
            }
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard ready else {
            let errors = (try? String(contentsOfFile: logDirectory + "/error.log", encoding: .utf8)) ?? ""
            let log = proxy.log + errors
            await stop()
            throw SandboxTree.Failure(description: "the proxy nginx did not start: \(log)")
        }
    }

    func stop() async {
        proxy.stop()
        dns.stop()
        await site.stop()
        sandboxFolder.remove()
        folder.remove()
    }

    static func manifest(root: String, address: String, dnsPort: Int, trust: String, setup: ParitySetup) -> String {
        OneSiteManifest.text(
            root: root, onion: onion, upstreamAddress: address,
            tor: setup.exportCircuitID ? "{exportCircuitID: haproxy}" : nil,
            forceHttps: !setup.plainUpstream,
            nginx: """
                subdomains: \(setup.subdomains)
                rewrite:
                  preserve: [user@example.org]
                requests:
                  maxBodySize: \(setup.maxBodySize)
                \(setup.extraRequests.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
                upstream:
                  scheme: \(setup.plainUpstream ? "http" : "https")
                  resolver: [127.0.0.1:\(dnsPort)]
                  resolverValid: 1s
                  verifyTLS: \(setup.verifyTLS)
                  \(trust)
                \(setup.extraNginx)
                """)
    }

    /// A request through the proxy's unix socket, as tor would make it.
    /// `subdomain` is put before the onion name.
    func fetch(
        _ path: String,
        subdomain: String? = nil,
        method: String = "GET",
        headers: [String] = [],
        data: String? = nil,
        dataFile: String? = nil,
        plainHTTP: Bool = false
    ) async throws -> ParityResponse {
        let host = subdomain.map { "\($0).\(Self.onion)" } ?? Self.onion
        let socket = socketDirectory + (plainHTTP ? "/p80.sock" : "/p443.sock")
        var arguments = ["-sk", "--max-time", "20", "-D", "-", "-X", method, "--unix-socket", socket]
        // No Expect: 100-continue round trip before an upload.
        for header in headers + ["Expect:"] { arguments += ["-H", header] }
        if let data { arguments += ["--data-raw", data] }
        if let dataFile {
            arguments += ["-H", "Content-Type: application/octet-stream", "--data-binary", "@" + dataFile]
        }
        arguments.append("\(plainHTTP ? "http" : "https")://\(host)\(path)")
        // Not Command.run: a blocked pool thread is one the upstream test
        // site (in this process) cannot answer on.
        let result = try await Command.runAsync("/usr/bin/curl", arguments)
        guard result.succeeded else {
            throw SandboxTree.Failure(
                description: "curl failed (exit \(result.exitCode)): \(result.output)\nproxy log: \(proxy.log)")
        }
        let parts = result.output.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return ParityResponse(status: status, headers: head, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// A GET as tor makes it with `exportCircuitID: haproxy`: a PROXY v1
    /// line naming the circuit (tor's fc00:dead:beef:4dad::/64 form), then
    /// TLS. curl 7.88 cannot choose the PROXY source address; Debian's
    /// python3 (Onionbalance's) can.
    func fetchWithCircuit(_ path: String, circuit: UInt32) async throws -> String {
        let address = String(format: "fc00:dead:beef:4dad::%x:%x", circuit >> 16, circuit & 0xFFFF)
        let script = """
            import socket, ssl, sys
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(20)
            s.connect(sys.argv[1])
            s.sendall(("PROXY TCP6 " + sys.argv[2] + " ::1 6666 443\\r\\n").encode())
            c = ssl.create_default_context()
            c.check_hostname = False
            c.verify_mode = ssl.CERT_NONE
            t = c.wrap_socket(s, server_hostname=sys.argv[3])
            t.sendall(("GET " + sys.argv[4] + " HTTP/1.1\\r\\nHost: " + sys.argv[3] + "\\r\\nConnection: close\\r\\n\\r\\n").encode())
            out = b""
            while True:
                d = t.recv(65536)
                if not d:
                    break
                out += d
            sys.stdout.write(out.decode("utf-8", "replace"))
            """
        let result = try await Command.runAsync(
            "/usr/bin/python3", ["-c", script, socketDirectory + "/p443.sock", address, Self.onion, path])
        guard result.succeeded else {
            throw SandboxTree.Failure(description: "python3 failed: \(result.output)\nproxy log: \(proxy.log)")
        }
        return result.output
    }

    /// A file of `bytes` bytes for uploads.
    func payload(bytes: Int) throws -> String {
        try folder.write("payload-\(bytes)", Data(repeating: 0x61, count: bytes))
    }

    func webSocketEcho(_ message: String) async throws -> String {
        try await WebSocketProbe.echo(socketPath: socketDirectory + "/p443.sock", host: Self.onion, message: message)
    }
}
