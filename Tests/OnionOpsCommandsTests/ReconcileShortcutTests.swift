import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The no-op shortcut of `onionops reconcile`: taken only while the inputs
/// and the hosts are exactly as last applied; any drift, stopped daemon or
/// new input sends the run down the full path, which repairs it.
@Suite("reconcile shortcut when nothing changed", .enabled(if: Command.isRoot, "daemons run as their users"))
struct ReconcileShortcutTests {
    static let shortcut = "nothing to render"

    @Test("taken when nothing changed; not taken after drift, a stopped daemon or a new input")
    func shortcut() throws {
        let demo = try DemoCopy(prefix: "oo-sc")
        defer { demo.remove() }
        let manifests = demo.manifests
        let roots = demo.roots
        let reconcile = ["reconcile", manifests, "--identity", RepositoryPaths.demoIdentity.path]
        func run(_ extra: [String] = []) throws -> OnionOpsBinary.Result {
            let result = try OnionOpsBinary.run(reconcile + extra)
            #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
            return result
        }

        _ = try run()
        let second = try run()
        #expect(second.stderr.contains(Self.shortcut), "\(second.stderr)")
        #expect(second.stdout.contains("edge-1: in-sync") && second.stdout.contains("edge-2: in-sync"))
        let full = try run(["--full"])
        #expect(!full.stderr.contains(Self.shortcut) && full.stdout.contains("edge-1: in-sync"))

        // Drift: a managed file edited by hand is seen and put back.
        let nginx = roots[0] + HostLayout.nginxConfig(project: "news")
        let rendered = try String(contentsOfFile: nginx, encoding: .utf8)
        try (rendered + "# edited by hand\n").write(toFile: nginx, atomically: false, encoding: .utf8)
        let repaired = try run()
        #expect(!repaired.stderr.contains(Self.shortcut), "drift must not be skipped")
        #expect(try String(contentsOfFile: nginx, encoding: .utf8) == rendered)
        #expect(try run().stderr.contains(Self.shortcut))

        // A stopped daemon is started again.
        let pidFile = roots[1] + HostLayout.torPidFile(project: "news", instance: 1)
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: "\n")[0]))
        kill(pid, SIGKILL)
        _ = BackgroundWait.until(seconds: 10) { kill(pid, 0) != 0 }
        let restarted = try run()
        #expect(!restarted.stderr.contains(Self.shortcut), "a stopped daemon must not be skipped")
        #expect(restarted.stdout.contains("edge-2: applied"), "\(restarted.stdout)")

        // A new input (any file of the folder) takes the full path once,
        // is recorded, and the shortcut holds again.
        try "# a note\n".write(toFile: manifests + "/NOTES.txt", atomically: true, encoding: .utf8)
        #expect(!(try run()).stderr.contains(Self.shortcut))
        #expect(try run().stderr.contains(Self.shortcut))
    }
}

/// Bounded polling for tests.
enum BackgroundWait {
    @discardableResult
    static func until(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
