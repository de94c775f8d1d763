import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsReconcile
import OnionOpsTestSupport
import Synchronization
import Testing

/// While a change goes on (nginx reloads, tor LOADCONF on both hosts), a
/// bounded loop of requests through every site's nginx socket sees no
/// failure.
@Suite("availability during a change", .enabled(if: Command.isRoot, "daemons run as their users"))
struct AvailabilityTests {
    @Test("no failed request while nginx and tor take a change")
    func noFailures() async throws {
        let sandbox = try await ReconcileSandbox()
        defer { sandbox.stopAll() }
        _ = try await sandbox.apply()
        let targets: [(String, String, String)] = ["edge-1", "edge-2"].flatMap { host in
            [
                (host, "news", ReconcileTests.news),
                (host, "news", "www.4vk2czq6ok5fmbyfulsdh7jfi7nwu2pzq47v646bwq2nwpsj7m7mnmyd.onion"),
                (host, "shop", "q77xjelhcfjoqt66gfqsnrrykv4l55ctqk4byt5z4tohtedwxcbcjtyd.onion"),
            ]
        }
        let done = Atomic<Bool>(false)
        let counts = Mutex<(ok: Int, failed: [String])>((0, []))
        let loop = Thread {
            // Bounded: at most 3,000 requests, whatever happens.
            for round in 0..<500 {
                if done.load(ordering: .relaxed) && round > 0 { break }
                for (host, project, site) in targets {
                    let status = sandbox.request(host, project: project, site: site)
                    counts.withLock { counts in
                        if status == 200 {
                            counts.ok += 1
                        } else {
                            counts.failed.append("\(host) \(site): \(status ?? 0)")
                        }
                    }
                }
            }
            done.store(true, ordering: .relaxed)
        }
        loop.start()
        let changed = FaultInjectionTests.changingTor(
            of: "news", in: ReconcileTests.changingNginx(of: sandbox.topology))
        let reports = try await sandbox.apply(changed, commit: "two")
        done.store(true, ordering: .relaxed)
        while !loop.isFinished { try await Task.sleep(for: .milliseconds(20)) }
        #expect(reports.map(\.status) == [.applied, .applied], "\(reports.map { $0.failure ?? "" })")
        #expect(
            reports.allSatisfy { $0.steps.contains("reload nginx-news") && $0.steps.contains("LOADCONF tor-news-1") })
        let result = counts.withLock { $0 }
        #expect(result.failed.isEmpty, "\(result.failed.prefix(5))")
        #expect(result.ok >= targets.count, "the loop ran during the change")
        print("[availability] \(result.ok) requests, \(result.failed.count) failed")
    }
}
