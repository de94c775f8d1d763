import Foundation
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// What every end-to-end test shares: one private Tor network and one
/// upstream web site, started once for the whole suite (about 20 s) and
/// stopped after it. Tests reach it through `E2EWorld.current`, set by the
/// suite's `.testNetwork` trait.
final class E2EWorld: Sendable {
    @TaskLocal static var current: E2EWorld?

    /// `ONIONOPS_E2E=1` and root: the daemons run as their own users, and
    /// a private Tor network costs about 20 s and 400 MB.
    static var isEnabled: Bool {
        ProcessInfo.processInfo.environment["ONIONOPS_E2E"] == "1" && getuid() == 0
    }

    /// `names`, narrowed to those in `ONIONOPS_E2E_TOPOLOGIES` (a comma
    /// list) when it is set: one topology can be proven on its own.
    static func selected(_ names: [String]) -> [String] {
        guard let only = ProcessInfo.processInfo.environment["ONIONOPS_E2E_TOPOLOGIES"], !only.isEmpty else {
            return names
        }
        let wanted = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        return names.filter(wanted.contains)
    }

    let network: TestNetwork
    let upstream: TestUpstream
    let started: Date

    private init(network: TestNetwork, upstream: TestUpstream, started: Date) {
        self.network = network
        self.upstream = upstream
        self.started = started
    }

    static func start() async throws -> E2EWorld {
        let started = Date()
        let network = try await TestNetwork.start()
        do {
            let upstream = try TestUpstream(folder: network.folder.path + "/upstream")
            print(
                "[e2e] network: consensus after \(E2EReport.seconds(network.consensusSeconds)), client bootstrapped "
                    + "after \(E2EReport.seconds(network.bootstrapSeconds)); SOCKS 127.0.0.1:"
                    + "\(network.clientNode.socksPort ?? 0), upstream \(upstream.address)")
            return E2EWorld(network: network, upstream: upstream, started: started)
        } catch {
            network.stop()
            throw error
        }
    }

    /// The world of the running suite; a test outside the trait's scope
    /// fails here instead of starting a network of its own.
    static func require() throws -> E2EWorld {
        guard let current else { throw TestNetwork.Failure(description: "no test network: run inside E2ETests") }
        return current
    }

    func stop() {
        upstream.stop()
        network.stop()
        print("[e2e] total wall time \(E2EReport.seconds(Date().timeIntervalSince(started)))")
    }
}
