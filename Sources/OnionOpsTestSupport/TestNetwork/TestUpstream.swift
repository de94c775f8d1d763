import Foundation

/// The web site behind every onion in a test: one nginx on
/// 127.0.0.1:`port` (or another address of this machine), HTTPS with a self-signed certificate (the rendered
/// nginx proxies to `https://` and sends SNI), answering any host name
/// with a page that names that host in text and in a link. Through an
/// onion, the rendered nginx must have put the onion name in both places.
public final class TestUpstream: Sendable {
    public let port: Int
    /// 127.0.0.1, or a machine address systemd containers reach.
    public let host: String
    public let folder: String
    private let process: BackgroundProcess

    /// Starts nginx in the foreground on a free port under `folder`;
    /// retries a few ports in case one is taken between the check and the
    /// bind.
    /// `port`: tried first (the demo's manifests name 127.0.0.1:8443).
    public init(folder: String, port preferred: Int? = nil, address: String = "127.0.0.1") throws {
        self.folder = folder
        self.host = address
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let certificate = try TestCertificate.make(commonName: "upstream.test")
        try certificate.certificatePEM.write(to: URL(fileURLWithPath: folder + "/cert.pem"))
        try certificate.keyPEM.write(to: URL(fileURLWithPath: folder + "/key.pem"))
        for attempt in 0..<5 {
            guard
                let candidate = attempt == 0 && preferred != nil
                    ? preferred : try TestNetworkPorts.allocate(1, on: [address]).first
            else { continue }
            try Data(Self.config(folder: folder, address: address, port: candidate).utf8)
                .write(to: URL(fileURLWithPath: folder + "/nginx.conf"))
            let started = try BackgroundProcess(
                "/usr/sbin/nginx",
                ["-c", folder + "/nginx.conf", "-p", folder, "-g", "daemon off;"],
                log: folder + "/run-\(attempt).log"
            )
            if started.wait(upTo: 5, until: { Self.answers(address: address, port: candidate) }) {
                port = candidate
                process = started
                return
            }
            started.stop()
        }
        throw TestNetwork.Failure(description: "the upstream nginx did not start under \(folder)")
    }

    /// `<host>:<port>`, a site's `upstreamAddress`.
    public var address: String { "\(host):\(port)" }

    /// The page's text for a host name, as the upstream writes it.
    public static func marker(for host: String) -> String { "upstream host: \(host)" }

    public func stop() { process.stop() }

    static func answers(address: String, port: Int) -> Bool {
        (try? Command.run(
            "/usr/bin/curl", ["-sk", "--max-time", "2", "-o", "/dev/null", "https://\(address):\(port)/"]
        ).succeeded) ?? false
    }

    static func config(folder: String, address: String, port: Int) -> String {
        """
        pid \(folder)/nginx.pid;
        error_log \(folder)/error.log warn;
        worker_processes 1;
        events { worker_connections 256; }
        http {
            access_log \(folder)/access.log;
            client_body_temp_path \(folder)/tmp;
            proxy_temp_path \(folder)/tmp;
            server {
                listen \(address):\(port) ssl default_server;
                server_name _;
                ssl_certificate \(folder)/cert.pem;
                ssl_certificate_key \(folder)/key.pem;
                location / {
                    default_type text/html;
                    return 200 '<html><body><p>\(marker(for: "$host"))</p>
        <a href="https://$host/next">next</a></body></html>\n';
                }
            }
        }
        """
    }
}
