import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Class 1 through the daemons themselves, on hosts reconciled by the real
/// binary: nginx's temp folders, pid files and exit records, and keys that
/// `--prune-keys` must take out of every stored generation.
@Suite(
    "class 1: daemon folders, pid files and pruned keys",
    .serialized,
    .enabled(if: SecurityWorld.isEnabled, SecurityWorld.disabledReason)
)
struct HostDaemonAttackTests {
    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    @Test("www-data cannot swap an nginx temp folder for a link; a reload chowns nothing of root's")
    func nginxTempFolders() throws {
        let sandbox = try HostAttackSandbox(.local, sshAddress: "127.0.0.6")
        let canary = try Canary()
        defer {
            sandbox.stop()
            canary.remove()
        }
        let first = try sandbox.onionops(["reconcile"])
        try #require(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        for (_, folder) in HostLayout.nginxTempDirectories(project: "news") {
            let real = sandbox.path("edge-1", folder)
            let swapped = try Attacker.run(
                "www-data",
                "mv -T \(Self.quote(real)) \(Self.quote(real)).x && ln -s \(Self.quote(canary.directory)) \(Self.quote(real))"
            )
            #expect(!swapped.succeeded, "www-data replaced \(folder)")
            // Inside its own folder the user may plant anything: nginx
            // only ever works inside it.
            try Attacker.run("www-data", "ln -sf \(Self.quote(canary.file)) \(Self.quote(real))/0000000001")
        }
        // A reload: nginx -t and HUP as reconcile does after a change.
        let config = sandbox.manifests + "/projects.yaml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "value: onionops-demo", with: "value: onionops-demo-2")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let reload = try sandbox.onionops(["reconcile"])
        #expect(reload.exitCode == 0, "\(reload.stdout)\(reload.stderr)")
        #expect(canary.damage() == [])
        var info = stat()
        let state = sandbox.path("edge-1", HostLayout.nginxStateDirectory(project: "news"))
        #expect(lstat(state, &info) == 0 && info.st_uid == 0, "the temp folders' parent is root's")
    }

    @Test("a pid file naming a root process: root refuses to signal it")
    func forgedTorPid() throws {
        let sandbox = try HostAttackSandbox(.local, sshAddress: "127.0.0.6")
        defer { sandbox.stop() }
        let first = try sandbox.onionops(["reconcile"])
        try #require(first.exitCode == 0, "\(first.stdout)\(first.stderr)")

        // A root process the attacker wants dead.
        let victim = try BackgroundProcess("/bin/sleep", ["300"], log: sandbox.folder.path + "/victim.log")
        defer { victim.kill() }
        let pidFile = sandbox.path("edge-1", HostLayout.torPidFile(project: "shop", instance: 2))
        try #require(
            try Attacker.run("debian-tor", "echo \(victim.pid) > \(Self.quote(pidFile))").succeeded,
            "debian-tor writes its own tor's pid file")
        // shop goes from 2 tor instances to 1: reconcile stops tor-shop-2
        // by the pid in that file.
        let projects = sandbox.manifests + "/projects.yaml"
        let text = try String(contentsOfFile: projects, encoding: .utf8)
        try text.replacingOccurrences(
            of: "placement: {hosts: [edge-1, edge-2], torInstances: 2}",
            with: "placement: {hosts: [edge-1, edge-2], torInstances: 1}"
        ).write(toFile: projects, atomically: true, encoding: .utf8)
        let result = try sandbox.onionops(["reconcile"])
        #expect(victim.isRunning, "root's process survived; reconcile said: \(result.stdout)\(result.stderr)")
    }

    @Test("onionbalance cannot plant links where root writes the publisher's pid and exit records")
    func publisherRecords() throws {
        let sandbox = try HostAttackSandbox(.local, sshAddress: "127.0.0.6")
        let canary = try Canary()
        defer {
            sandbox.stop()
            canary.remove()
        }
        let first = try sandbox.onionops(["reconcile"])
        try #require(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        for record in [
            HostLayout.onionbalancePidFile(balancer: "shop-front"),
            HostLayout.onionbalanceExitFile(balancer: "shop-front"),
        ] {
            let real = sandbox.path("edge-2", record)
            let planted = try Attacker.run(
                "onionbalance", "rm -f \(Self.quote(real)); ln -s \(Self.quote(canary.file)) \(Self.quote(real))")
            #expect(!planted.succeeded, "onionbalance planted a link at \(record)")
        }
        // Restart the publisher (it exits offline; the wrapper writes both
        // records as root).
        let restart = try sandbox.onionops(["reconcile", "--full"])
        #expect(restart.exitCode == 0, "\(restart.stdout)\(restart.stderr)")
        #expect(canary.damage() == [])
    }

    @Test("--prune-keys takes a key out of every stored generation, and rollback cannot bring it back")
    func pruneReachesGenerations() throws {
        let sandbox = try HostAttackSandbox(.local, sshAddress: "127.0.0.6")
        defer { sandbox.stop() }
        let first = try sandbox.onionops(["reconcile"])
        try #require(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        let site = "4vk2czq6ok5fmbyfulsdh7jfi7nwu2pzq47v646bwq2nwpsj7m7mnmyd"
        let keyPath =
            HostLayout.torDataDirectory(project: "news", instance: 1) + "/hs-\(site.prefix(16))"
            + "/hs_ed25519_secret_key"
        let key = try #require(FileManager.default.contents(atPath: sandbox.path("edge-1", keyPath)))

        let projects = sandbox.manifests + "/projects.yaml"
        let text = try String(contentsOfFile: projects, encoding: .utf8)
        let removed = text.replacingOccurrences(
            of: """
                    - onion: \(site).onion
                      upstream: example.net
                      subdomains: [www]
                      upstreamAddress: 127.0.0.1:8443

                """, with: "")
        try #require(removed != text, "the site's lines were found")
        try removed.write(toFile: projects, atomically: true, encoding: .utf8)
        let pruned = try sandbox.onionops(["reconcile", "--prune-keys"])
        #expect(pruned.exitCode == 0, "\(pruned.stdout)\(pruned.stderr)")

        for host in ["edge-1", "edge-2"] {
            let stored = sandbox.path(host, Generation.directory)
            let enumerator = FileManager.default.enumerator(atPath: stored)
            while let relative = enumerator?.nextObject() as? String {
                let content = FileManager.default.contents(atPath: stored + "/" + relative)
                #expect(content != key, "\(host): the pruned key is still stored at \(relative)")
            }
        }
        let rollback = try sandbox.onionops(["rollback", "--host", "edge-1", "--generation", "1"], identity: false)
        #expect(rollback.exitCode != 0, "a generation holding a pruned key cannot be applied")
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("edge-1", keyPath)))
    }
}
