import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsReconcile
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Softmap changes across hosts, asserted from the recorded step order:
/// publishers change only after new backends are healthy, and drop
/// leaving backends before those stop.
@Suite("ordering across hosts", .enabled(if: Command.isRoot, "daemons run as their users"), .serialized)
struct OrderingTests {
    static let config = HostLayout.publisherConfig(balancer: "shop-front")

    /// The demo with shop's backends only on edge-2.
    static func shopOnEdge2(_ topology: Topology) -> Topology {
        var changed = topology
        if let index = changed.projects.firstIndex(where: { $0.name == "shop" }) {
            changed.projects[index].placement.hosts = ["edge-2"]
        }
        return changed
    }

    @Test("adding a backend host: the publisher changes only after the new backends are healthy")
    func addBackendHost() async throws {
        let sandbox = try await ReconcileSandbox()
        defer { sandbox.stopAll() }
        let reports = try await sandbox.apply(Self.shopOnEdge2(sandbox.topology))
        #expect(reports.map(\.status) == [.applied, .applied])
        let log = StepLog()
        let added = try await sandbox.apply(sandbox.topology, log: log, commit: "two")
        #expect(added.map(\.status) == [.applied, .applied], "\(added.map { $0.failure ?? "" })")
        let healthy = try #require(log.index(of: "edge-1: check tor-shop-2 hostnames"), "\(log.all)")
        let swapped = try #require(log.index(of: "edge-2: swap in \(Self.config)"), "\(log.all)")
        let reloaded = try #require(log.index(of: "edge-2: reload ob-shop-front"), "\(log.all)")
        #expect(healthy < swapped && swapped < reloaded, "\(log.all)")
        #expect(sandbox.read("edge-2", Self.config)?.contains("name: shop-edge-1-1") == true)
    }

    @Test("removing a backend host: the publisher drops it before its tor stops")
    func removeBackendHost() async throws {
        let sandbox = try await ReconcileSandbox()
        defer { sandbox.stopAll() }
        _ = try await sandbox.apply()
        let log = StepLog()
        let removed = try await sandbox.apply(Self.shopOnEdge2(sandbox.topology), log: log, commit: "two")
        #expect(removed.map(\.status) == [.applied, .applied], "\(removed.map { $0.failure ?? "" })")
        let reloaded = try #require(log.index(of: "edge-2: reload ob-shop-front"), "\(log.all)")
        let stopped = try #require(log.index(of: "edge-1: stop tor-shop-1"), "\(log.all)")
        #expect(reloaded < stopped, "\(log.all)")
        #expect(sandbox.read("edge-2", Self.config)?.contains("shop-edge-1") == false)
        #expect(sandbox.pid("edge-1", HostLayout.torPidFile(project: "shop", instance: 1)) == nil)
        #expect(sandbox.pid("edge-1", HostLayout.nginxPidFile(project: "shop")) == nil)
        // Its files are gone; its keys stay (pruned only on request).
        #expect(sandbox.read("edge-1", HostLayout.torrc(project: "shop", instance: 1)) == nil)
        let key = HostLayout.backendServiceDirectory(project: "shop", instance: 1) + "/hs_ed25519_secret_key"
        #expect(FileManager.default.fileExists(atPath: sandbox.path("edge-1", key)))
        #expect(removed.first { $0.host == "edge-1" }?.plan?.keptKeys.contains(key) == true)
        // The news project on edge-1 was not touched.
        #expect(!log.all.contains { $0.contains("edge-1") && $0.contains("news") }, "\(log.all)")
    }

    @Test("a backend host that fails leaves the publishers on their old config")
    func failedBackendHoldsPublisher() async throws {
        let sandbox = try await ReconcileSandbox()
        defer { sandbox.stopAll() }
        _ = try await sandbox.apply(Self.shopOnEdge2(sandbox.topology))
        let before = sandbox.read("edge-2", Self.config)
        let hooks = ApplyHooks { host, step in
            guard host == "edge-1", case .checkTor(.tor(project: "shop", index: 2, _), _) = step else { return }
            if let pid = sandbox.pid(host, HostLayout.torPidFile(project: "shop", instance: 2)) {
                kill(pid, SIGKILL)
                while kill(pid, 0) == 0 { usleep(10_000) }
            }
        }
        let log = StepLog()
        let reports = try await sandbox.apply(sandbox.topology, hooks: hooks, log: log, commit: "two")
        #expect(reports.first { $0.host == "edge-1" }?.status == .rolledBack)
        let edge2 = reports.first { $0.host == "edge-2" }
        #expect(edge2?.status == .rolledBack)
        #expect(edge2?.failure?.contains("backend host edge-1 of shop failed") == true, "\(edge2?.failure ?? "")")
        #expect(sandbox.read("edge-2", Self.config) == before)
        #expect(log.index(of: "edge-2: swap in \(Self.config)") == nil, "\(log.all)")
        #expect(ReconcileExit.code(reports) == 3)
        // edge-1 is back to running no shop backend at all.
        #expect(sandbox.pid("edge-1", HostLayout.torPidFile(project: "shop", instance: 1)) == nil)
    }
}
