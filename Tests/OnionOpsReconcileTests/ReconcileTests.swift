import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsReconcile
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The demo topology reconciled onto two sandbox hosts with real tor
/// (offline), nginx and Onionbalance.
@Suite("reconcile", .enabled(if: Command.isRoot, "daemons run as their users"), .serialized)
struct ReconcileTests {
    /// The demo's first news site (manifests/projects.yaml).
    static let news = "fkncfijxnkt4aa7zfs6bhrbpkbqmfzg7f5ejrj4pmvscedss7h3qivid.onion"

    @Test("first apply starts everything; a second plans nothing and restarts nothing")
    func idempotence() async throws {
        let sandbox = try await ReconcileSandbox()
        defer { sandbox.stopAll() }
        let first = try await sandbox.apply()
        #expect(first.map(\.status) == [.applied, .applied], "\(first.map { $0.failure ?? "" })")
        #expect(first.map(\.generation) == [1, 1])
        let pids = sandbox.pids()
        // tor x3 and nginx x2 per host, plus the publisher's tor on edge-2.
        #expect(pids.count >= 10, "\(pids)")
        #expect(sandbox.request("edge-1", project: "news", site: Self.news) == 200)

        let second = try await sandbox.apply()
        #expect(second.map(\.status) == [.inSync, .inSync])
        #expect(second.allSatisfy { $0.steps.isEmpty }, "\(second.map(\.steps))")
        #expect(second.map(\.generation) == [1, 1])
        #expect(sandbox.pids() == pids)
        #expect(sandbox.read("edge-1", Generation.appliedCommitPath) == "test\n")
    }

    @Test("nginx -t failing: the host stays on its generation, nginx keeps serving with the same pid")
    func nginxTestFails() async throws {
        let sandbox = try await ReconcileSandbox()
        defer { sandbox.stopAll() }
        _ = try await sandbox.apply()
        let before = sandbox.pids()
        let oldConfig = sandbox.read("edge-1", HostLayout.nginxConfig(project: "news"))

        // The change blocks one more path (a new nginx.conf); the fault makes
        // the staged copy unparseable just before nginx -t reads it.
        let hooks = ApplyHooks { host, step in
            guard host == "edge-1", case .testNginx(_, let config) = step else { return }
            try? "events {\n".write(toFile: sandbox.path(host, config), atomically: false, encoding: .utf8)
        }
        let reports = try await sandbox.apply(Self.changingNginx(of: sandbox.topology), hooks: hooks, commit: "two")
        let edge1 = try #require(reports.first { $0.host == "edge-1" })
        #expect(edge1.status == .rolledBack)
        #expect(edge1.failure?.contains("nginx -t") == true, "\(edge1.failure ?? "")")
        #expect(edge1.generation == 1)
        #expect(sandbox.read("edge-1", HostLayout.nginxConfig(project: "news")) == oldConfig)
        #expect(sandbox.read("edge-1", Generation.appliedCommitPath) == "test\n")
        #expect(sandbox.pids().filter { $0.key.hasPrefix("edge-1") } == before.filter { $0.key.hasPrefix("edge-1") })
        #expect(sandbox.request("edge-1", project: "news", site: Self.news) == 200)
        // The other host took the change.
        #expect(reports.first { $0.host == "edge-2" }?.status == .applied)
        #expect(ReconcileExit.code(reports) == 3)
    }

    /// A change to news's nginx.conf: one more blocked path. (A listed
    /// subdomain no longer is one: every subdomain is served by default.)
    static func changingNginx(of topology: Topology) -> Topology {
        var changed = topology
        if let index = changed.projects.firstIndex(where: { $0.name == "news" }) {
            changed.projects[index].nginx.access.block.paths.append("/media-private")
        }
        return changed
    }
}

/// Two reconcilers on the same hosts at once: the second is refused by the
/// host locks, the first completes, nothing interleaves.
@Suite("concurrent reconcilers", .enabled(if: Command.isRoot, "daemons run as their users"))
struct ConcurrencyTests {
    @Test("the second reconciler is refused while the first holds the hosts")
    func twoAtOnce() async throws {
        let sandbox = try await ReconcileSandbox()
        defer { sandbox.stopAll() }
        _ = try await sandbox.apply()
        let changed = ReconcileTests.changingNginx(of: sandbox.topology)
        let entered = AsyncStream.makeStream(of: Void.self)
        // The first reconciler pauses inside its first step, holding both
        // host locks, until the second has tried.
        let release = AsyncStream.makeStream(of: Void.self)
        let hooks = ApplyHooks { _, _ in
            entered.continuation.yield()
            for await _ in release.stream { break }
        }
        let log = StepLog()
        // The first reconciler ends `entered` when it returns, so a change
        // that makes no step fails this test instead of hanging it.
        let first = Task {
            defer { entered.continuation.finish() }
            return try await sandbox.apply(changed, hooks: hooks, log: log, commit: "first")
        }
        var firstEntered = false
        for await _ in entered.stream {
            firstEntered = true
            break
        }
        #expect(firstEntered, "the first reconciler made no step")
        let second = try await sandbox.apply(changed, log: log, commit: "second")
        release.continuation.finish()
        let firstReports = try await first.value
        #expect(
            second.allSatisfy { $0.status == .error && $0.failure?.contains("locked by onionops-reconcile") == true },
            "\(second.map { $0.failure ?? "" })")
        #expect(firstReports.map(\.status) == [.applied, .applied], "\(firstReports.map { $0.failure ?? "" })")
        #expect(ReconcileExit.code(second) == 1)
        #expect(sandbox.read("edge-1", Generation.appliedCommitPath) == "first\n")
        // Every step in the log is the first reconciler's.
        #expect(log.all.count == firstReports.flatMap(\.steps).count)
    }
}

/// Every Examples/ topology goes through every gate on sandbox hosts (tor
/// offline), and a second reconcile plans nothing.
@Suite("every example reconciles", .enabled(if: Command.isRoot, "daemons run as their users"), .serialized)
struct ExampleReconcileTests {
    static var examples: [String] { (try? RepositoryPaths.exampleFolders().map(\.path)) ?? [] }

    @Test("applies, then is in sync", arguments: examples)
    func example(_ folder: String) async throws {
        let sandbox = try await ReconcileSandbox(prefix: "oo-ex", manifests: folder)
        defer { sandbox.stopAll() }
        let first = try await sandbox.apply()
        #expect(first.allSatisfy { $0.status == .applied }, "\(first.map { "\($0.host): \($0.failure ?? "")" })")
        let second = try await sandbox.apply()
        #expect(second.allSatisfy { $0.status == .inSync && $0.steps.isEmpty }, "\(second.map(\.status))")
    }
}
