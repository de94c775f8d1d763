public import Foundation
import OnionOpsHosts

/// The test network's Tor client as a web client: curl through its SOCKS
/// port with the host name resolved by tor (`--socks5-hostname`, so the
/// onion name reaches tor), each request with SOCKS credentials of its own
/// (`-U <random>:x`) so tor isolates it on a fresh circuit, and so a fresh
/// introduction and rendezvous.
public struct OnionClient: Sendable {
    public struct Response: Sendable {
        /// The HTTP status, 0 when nothing answered.
        public var status: Int
        public var body: String
        public var seconds: Double
        /// curl's exit code and message when it failed.
        public var error: String?
        public var started: Date

        public var succeeded: Bool { error == nil && status == 200 }
    }

    public let socksPort: Int
    public let controlSocket: String
    public let cookieFile: String

    public init(socksPort: Int, controlSocket: String, cookieFile: String) {
        self.socksPort = socksPort
        self.controlSocket = controlSocket
        self.cookieFile = cookieFile
    }

    /// One GET of `url` (TLS not verified: every onion here has a
    /// self-signed certificate), bounded by `timeout` seconds.
    public func fetch(_ url: String, timeout: Int = 60) -> Response {
        let started = Date()
        let credentials = "oo\(UInt64.random(in: 0...UInt64.max)):x"
        let marker = "\n::oo-status::"
        let result = try? Command.capture(
            "/usr/bin/curl",
            [
                "-sk", "--max-time", String(timeout), "--socks5-hostname", "127.0.0.1:\(socksPort)",
                "-U", credentials, "-w", marker + "%{http_code}", url,
            ]
        )
        let seconds = Date().timeIntervalSince(started)
        guard let result else {
            return Response(status: 0, body: "", seconds: seconds, error: "curl did not run", started: started)
        }
        let parts = result.stdout.components(separatedBy: marker)
        let status = parts.count > 1 ? Int(parts[parts.count - 1].trimmingCharacters(in: .whitespaces)) ?? 0 : 0
        let body = parts.dropLast().joined(separator: marker)
        let error = result.exitCode == 0 ? nil : "curl exit \(result.exitCode) \(result.stderr)"
        return Response(status: status, body: body, seconds: seconds, error: error, started: started)
    }

    /// Retries `fetch` until a response passes `accept` or `seconds` pass
    /// (a new descriptor takes a while to reach the HSDirs). Returns the
    /// first accepted response, or the last one.
    public func fetch(
        _ url: String, within seconds: Double, accept: (Response) -> Bool = { $0.succeeded }
    ) async -> Response {
        let deadline = Date().addingTimeInterval(seconds)
        var last = Response(status: 0, body: "", seconds: 0, error: "not tried", started: Date())
        while Date() < deadline {
            let remaining = Int(max(5, min(60, deadline.timeIntervalSinceNow)))
            // curl is waited for on the blocking pool, not a cooperative thread.
            last = await BlockingPool.shared.run { [self] in fetch(url, timeout: remaining) }
            if accept(last) { return last }
            try? await Task.sleep(for: .seconds(1))
        }
        return last
    }

    /// Forgets cached onion descriptors and intro-point failures.
    public func newIdentity() throws {
        try TorControlProbe.newIdentity(socket: controlSocket, cookie: cookieFile)
    }
}
