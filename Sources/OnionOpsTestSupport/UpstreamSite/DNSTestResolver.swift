import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A DNS server under test control for the CDN test: dnsmasq (Debian's
/// dnsmasq-base, a well-kept resolver, rather than a responder of our own)
/// answering only from a hosts file that the test rewrites, with a one
/// second TTL, on 127.0.0.1 at a free UDP port; the test domain is its own
/// (`--local`), so AAAA questions get an empty answer, not REFUSED. `set` moves a name to
/// another address without restarting it (SIGHUP rereads the file and
/// empties dnsmasq's cache).
public final class DNSTestResolver: Sendable {
    public static let executable = "/usr/sbin/dnsmasq"

    public let port: Int
    private let process: BackgroundProcess
    private let hostsFile: String

    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// `records` maps names to IPv4 addresses.
    public init(folder: TemporaryFolder, records: [String: String]) throws {
        hostsFile = try folder.write("dns/hosts", Self.hosts(records))
        // An empty file of our own rather than /dev/null: in this shared
        // test environment /dev/null has been seen replaced by a file.
        let configFile = try folder.write("dns/dnsmasq.conf", "")
        var started: (BackgroundProcess, Int)?
        for attempt in 0..<5 {
            let candidate = Int.random(in: 20_000..<60_000)
            let process = try BackgroundProcess(
                Self.executable,
                [
                    "--keep-in-foreground", "--conf-file=\(configFile)", "--no-resolv", "--no-hosts",
                    "--addn-hosts=\(hostsFile)", "--local=/test/", "--listen-address=127.0.0.1", "--bind-interfaces",
                    "--port=\(candidate)", "--local-ttl=1", "--user=root", "--group=root", "--pid-file=",
                    "--log-facility=-", "--log-queries",
                ],
                log: folder.path + "/dns/run-\(attempt).log"
            )
            // dnsmasq logs "started" after it has bound its sockets.
            if process.wait(upTo: 5, until: { process.log.contains("started, version") }), process.isRunning {
                started = (process, candidate)
                break
            }
            process.stop()
        }
        guard let (process, port) = started else {
            throw SandboxTree.Failure(description: "dnsmasq did not start")
        }
        self.process = process
        self.port = port
    }

    /// Points names at new addresses; dnsmasq rereads them on SIGHUP.
    public func set(_ records: [String: String]) throws {
        try Data(Self.hosts(records).utf8).write(to: URL(fileURLWithPath: hostsFile), options: .atomic)
        Glibc.kill(process.pid, SIGHUP)
    }

    public var log: String { process.log }

    /// How many A questions for `name` dnsmasq has answered so far.
    public func questions(for name: String) -> Int {
        log.components(separatedBy: "\n").filter { $0.contains("query[A] \(name) from") }.count
    }

    public func stop() { process.stop() }

    private static func hosts(_ records: [String: String]) -> String {
        records.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)\n" }.joined()
    }
}
