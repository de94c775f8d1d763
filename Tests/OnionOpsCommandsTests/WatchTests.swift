import Foundation
import OnionOpsCore
import OnionOpsDaemon
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `onionops watch` as a real process over a folder of manifests: the
/// first reconcile, the webhook's signature check, drift found and healed,
/// metrics.
@Suite("onionops watch", .enabled(if: Command.isRoot, "daemons run as their users"), .serialized)
struct WatchTests {
    @Test("applies at start; a bad webhook signature gets 401 and triggers nothing; a good one reconciles")
    func webhook() throws {
        let harness = try WatchHarness()
        defer {
            harness.stopDaemons(roots: [harness.folder.path + "/edge-1", harness.folder.path + "/edge-2"])
            harness.folder.remove()
        }
        let watch = try harness.start([harness.manifests, "--interval", "3600", "--drift-interval", "3600"])
        defer { watch.stop() }
        #expect(
            harness.wait(60) { harness.get("/healthz").contains("applied") },
            "\(harness.get("/healthz"))\n\(watch.log)")
        #expect(harness.read("edge-1", Generation.currentPath) == "1\n")

        let before = harness.get("/metrics")
        #expect(harness.post("/webhook", body: "{\"ref\":\"refs/heads/main\"}", signature: "sha256=00") == 401)
        #expect(harness.post("/webhook", body: "{}") == 401, "no signature at all")
        // Counted as refused requests, not as refused revisions.
        #expect(harness.get("/metrics").contains("onionops_http_unauthorized_total{path=\"/webhook\"} 2"))
        #expect(!harness.get("/metrics").contains("onionops_revisions_refused_total"))
        usleep(500_000)
        #expect(!watch.log.contains("on webhook"), "a refused webhook triggers nothing")
        let body = "{\"ref\":\"refs/heads/main\"}"
        let good = WebhookSignature.sign(Array(body.utf8), secret: Array(harness.secret.utf8))
        #expect(harness.post("/webhook", body: body, signature: good) == 202)
        #expect(
            harness.wait(20) {
                watch.log.contains("reconciling") && watch.log.components(separatedBy: "on webhook").count > 1
            }, "\(watch.log)")
        let metrics = harness.get("/metrics")
        #expect(metrics.contains("onionops_reconciles_total{host=\"edge-1\",result=\"applied\"} 1"), "\(metrics)")
        #expect(metrics.contains("onionops_applied_revision_info{host=\"edge-2\""), "\(metrics)")
        #expect(before.contains("onionops_up 1"))

        // The revisions each host applied, from its generations.
        let history = try OnionOpsBinary.run(["history", harness.manifests])
        #expect(history.exitCode == 0, "\(history.stderr)")
        #expect(history.stdout.contains("edge-1:\n  * 1  folder-"), "\(history.stdout)")
    }

    @Test("drift: a hand-edited file and a stopped tor are reported, and healed with --self-heal")
    func drift() throws {
        let harness = try WatchHarness()
        defer {
            harness.stopDaemons(roots: [harness.folder.path + "/edge-1", harness.folder.path + "/edge-2"])
            harness.folder.remove()
        }
        let watch = try harness.start([harness.manifests, "--interval", "3600", "--drift-interval", "3600"])
        #expect(harness.wait(60) { harness.get("/healthz").contains("applied") }, "\(watch.log)")
        watch.stop()

        let config = HostLayout.nginxConfig(project: "news")
        let original = harness.read("edge-1", config)
        let torPid = harness.folder.path + "/edge-1" + HostLayout.torPidFile(project: "shop", instance: 1)
        func breakHost() throws {
            try "# edited by hand\n".write(
                toFile: harness.folder.path + "/edge-1" + config, atomically: false, encoding: .utf8)
            let pid =
                Int32((try String(contentsOfFile: torPid, encoding: .utf8)).split(separator: "\n").first ?? "") ?? 0
            kill(pid, SIGKILL)
            while kill(pid, 0) == 0 { usleep(10_000) }
        }
        try breakHost()

        // The one-shot check, as a timer runs it.
        let drift = try OnionOpsBinary.run(
            ["drift", harness.manifests, "--identity", RepositoryPaths.demoIdentity.path])
        #expect(drift.exitCode == 2, "\(drift.stdout)\(drift.stderr)")
        #expect(drift.stdout.contains("update \(config)"), "\(drift.stdout)")
        #expect(drift.stdout.contains("start tor-shop-1"), "\(drift.stdout)")
        let json = try OnionOpsBinary.run(
            ["drift", harness.manifests, "--identity", RepositoryPaths.demoIdentity.path, "--output", "json"])
        #expect(json.exitCode == 2 && json.stdout.contains("\"formatVersion\" : 1"))

        // The daemon with --self-heal: its start reconcile repairs the host;
        // break it again and its drift check finds and heals it.
        let healer = try harness.start(
            [harness.manifests, "--interval", "3600", "--drift-interval", "2", "--self-heal"], log: "healer")
        defer { healer.stop() }
        #expect(harness.wait(60) { harness.get("/healthz").contains("applied") }, "\(healer.log)")
        try breakHost()
        #expect(harness.wait(60) { healer.log.contains("self-heal: edge-1: applied") }, "\(healer.log)")
        #expect(harness.read("edge-1", config) == original)
        // A drift check may have run between the edit and the kill and healed
        // only the file: the next one heals tor. Wait for both.
        var after = try OnionOpsBinary.run([
            "drift", harness.manifests, "--identity", RepositoryPaths.demoIdentity.path,
        ])
        let deadline = Date().addingTimeInterval(60)
        while after.exitCode != 0, Date() < deadline {
            usleep(500_000)
            after = try OnionOpsBinary.run([
                "drift", harness.manifests, "--identity", RepositoryPaths.demoIdentity.path,
            ])
        }
        #expect(after.exitCode == 0, "\(after.stdout)")
        #expect(healer.log.contains("drift on edge-1"))
    }
}
