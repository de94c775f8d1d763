import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The upstream test site of issue 15: an HTTPS server of our own that
/// behaves like the sites Onionspray fronts. It answers for example.org and
/// every subdomain at any depth, on 127.0.0.1 and 127.0.0.2 at one port (so
/// a name that moves between the two can be followed), and says on every
/// answer which Host it saw. What it serves is in `UpstreamSiteRoutes`.
public final class UpstreamTestSite: Sendable {
    public static let addresses = ["127.0.0.1", "127.0.0.2"]

    public let port: Int
    private let servers: Mutex<[Task<Void, Never>]>

    private init(port: Int, servers: [Task<Void, Never>]) {
        self.port = port
        self.servers = Mutex(servers)
    }

    /// Starts the site on a free port with `leaf` as its certificate (or
    /// over plain http with `plainHTTP`, for `upstream.scheme: http`);
    /// retries a few ports in case one is taken between pick and bind.
    public static func start(leaf: TestCertificateAuthority.Leaf, plainHTTP: Bool = false) async throws
        -> UpstreamTestSite
    {
        let tls = try TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(NIOSSLCertificate(bytes: Array(leaf.certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(NIOSSLPrivateKey(bytes: Array(leaf.keyPEM.utf8), format: .pem))
        )
        var lastError: any Error = SandboxTree.Failure(description: "no port tried")
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            var started: [Task<Void, Never>] = []
            do {
                for address in addresses {
                    started.append(
                        try await startServer(address: address, port: port, tls: plainHTTP ? nil : tls))
                }
                return UpstreamTestSite(port: port, servers: started)
            } catch {
                lastError = error
                for server in started { server.cancel() }
                for server in started { await server.value }
            }
        }
        throw lastError
    }

    /// Stops both listeners and waits until they have closed.
    public func stop() async {
        let running = servers.withLock { servers in
            defer { servers = [] }
            return servers
        }
        for server in running { server.cancel() }
        for server in running { await server.value }
    }

    /// One listener: returns once it accepts connections, throws if it
    /// could not bind.
    private static func startServer(address: String, port: Int, tls: TLSConfiguration?) async throws -> Task<
        Void, Never
    > {
        var logger = Logger(label: "upstream-test-site")
        // Cancelling a listener logs an error in Hummingbird: keep test output clean.
        logger.logLevel = .critical
        let (events, continuation) = AsyncStream<(any Error)?>.makeStream()
        let http: HTTPServerBuilder = .http1WebSocketUpgrade { request, _, _ in
            guard request.path == "/ws" else { return .dontUpgrade }
            return .upgrade([:], UpstreamSiteRoutes.echo(host: request.authority ?? ""))
        }
        let app = Application(
            router: UpstreamSiteRoutes.router(servedBy: address),
            server: try tls.map { try .tls(http, tlsConfiguration: $0) } ?? http,
            configuration: .init(address: .hostname(address, port: port)),
            onServerRunning: { _ in continuation.yield(nil) },
            logger: logger
        )
        let task = Task {
            do {
                try await app.run()
            } catch {
                continuation.yield(error)
            }
            continuation.finish()
        }
        for await event in events {
            if let error = event { throw error }
            return task
        }
        throw SandboxTree.Failure(description: "the upstream test site on \(address):\(port) stopped at once")
    }
}
