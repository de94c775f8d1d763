import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

/// The CLI and `watch` go through one engine: a host applied by one is in
/// sync for the other (same revision name, same inputs digest), and a host
/// selection naming an unknown host is an error in both.
@Suite("the CLI and watch agree", .serialized)
struct FrontEndParityTests {
    static let shortcut = "nothing to render"

    func reconcile(_ harness: WatchHarness) throws -> OnionOpsBinary.Result {
        try OnionOpsBinary.run(["reconcile", harness.manifests, "--identity", RepositoryPaths.demoIdentity.path])
    }

    func generation(_ harness: WatchHarness, _ host: String) -> String? {
        harness.read(host, Generation.currentPath)
    }

    @Test(
        "a watch apply, then a CLI reconcile of the same revision, takes the no-op shortcut",
        .enabled(if: Command.isRoot, "daemons run as their users"))
    func watchThenCLI() throws {
        let harness = try WatchHarness()
        defer {
            harness.stopDaemons(roots: [harness.folder.path + "/edge-1", harness.folder.path + "/edge-2"])
            harness.folder.remove()
        }
        let watch = try harness.start([harness.manifests, "--interval", "3600", "--drift-interval", "3600"])
        #expect(harness.wait(60) { harness.get("/healthz").contains("applied") }, "\(watch.log)")
        watch.stop()
        #expect(generation(harness, "edge-1") == "1\n")

        let run = try reconcile(harness)
        #expect(run.exitCode == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains(Self.shortcut), "\(run.stderr)\n\(watch.log)")
        #expect(run.stdout.contains("edge-1: in-sync, generation 1, revision folder-"), "\(run.stdout)")
        #expect(generation(harness, "edge-1") == "1\n" && generation(harness, "edge-2") == "1\n")
    }

    @Test(
        "a CLI reconcile, then watch on the same revision, takes the no-op shortcut",
        .enabled(if: Command.isRoot, "daemons run as their users"))
    func cliThenWatch() throws {
        let harness = try WatchHarness()
        defer {
            harness.stopDaemons(roots: [harness.folder.path + "/edge-1", harness.folder.path + "/edge-2"])
            harness.folder.remove()
        }
        let first = try reconcile(harness)
        #expect(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        #expect(generation(harness, "edge-1") == "1\n")

        let watch = try harness.start([harness.manifests, "--interval", "3600", "--drift-interval", "1"])
        defer { watch.stop() }
        #expect(harness.wait(60) { harness.get("/healthz").contains("applied") }, "\(watch.log)")
        #expect(watch.log.contains(Self.shortcut), "\(watch.log)")
        #expect(generation(harness, "edge-1") == "1\n" && generation(harness, "edge-2") == "1\n", "\(watch.log)")
        #expect(harness.get("/metrics").contains("onionops_reconciles_total{host=\"edge-1\",result=\"in-sync\"} 1"))
        // The shortcut rendered nothing: the drift check renders the
        // revision first, then finds the hosts as applied, and says how
        // long the check took (the bench reads it).
        #expect(harness.wait(30) { watch.log.contains("drift check: no drift on 2 hosts in ") }, "\(watch.log)")
    }

    @Test("watch --hosts with an unknown name is an error naming it and listing the hosts, as in reconcile")
    func unknownHostInWatch() throws {
        let harness = try WatchHarness()
        defer { harness.folder.remove() }
        let watch = try harness.start([harness.manifests, "--hosts", "edge-1,nosuch", "--interval", "3600"])
        let exited = watch.wait(upTo: 30) { !watch.isRunning }
        if !exited { watch.kill() }
        #expect(exited && watch.exitStatus == 1, "\(watch.log)")
        #expect(watch.log.contains("error: no host 'nosuch' in "), "\(watch.log)")
        #expect(watch.log.contains("hosts: edge-1, edge-2"), "\(watch.log)")
        #expect(generation(harness, "edge-1") == nil, "nothing applied")

        let identity = ["--identity", RepositoryPaths.demoIdentity.path]
        for (command, extra) in [("reconcile", identity), ("drift", identity), ("status", []), ("history", [])] {
            let run = try OnionOpsBinary.run([command, harness.manifests, "--hosts", "nosuch"] + extra)
            #expect(run.exitCode == 1, "\(command): \(run.stdout)\(run.stderr)")
            #expect(run.stderr.contains("no host 'nosuch'"), "\(command): \(run.stderr)")
        }
    }
}
