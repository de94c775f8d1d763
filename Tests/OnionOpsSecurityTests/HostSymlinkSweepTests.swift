import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Class 1, swept: on hosts running the demo topology (a hardmap project,
/// a softmap project and its publisher), every path inside a folder a
/// daemon user owns is replaced, by that user, with a symlink to a
/// root-only canary file or folder; then every command that reads or
/// changes hosts runs. The canary must keep its owner, mode and content,
/// and its content must appear in no output.
@Suite(
    "class 1 sweep: links planted by daemon users",
    .serialized,
    .enabled(if: SecurityWorld.isEnabled, SecurityWorld.disabledReason)
)
struct HostSymlinkSweepTests {
    @Test(
        "every path in a daemon user's folder, as a link to a root-only canary",
        arguments: HostAttackSandbox.Transport.allCases)
    func sweep(transport: HostAttackSandbox.Transport) throws {
        let sandbox = try HostAttackSandbox(transport, sshAddress: "127.0.0.4")
        let canary = try Canary()
        defer {
            sandbox.stop()
            canary.remove()
        }
        let first = try sandbox.onionops(["reconcile"])
        try #require(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        // A second generation, so rollback has one to go back to.
        let second = try sandbox.onionops(["reconcile", "--full"])
        try #require(second.exitCode == 0, "\(second.stdout)\(second.stderr)")

        let out = sandbox.folder.path + "/render-out"
        var attacked = 0
        var commandsRun = 0
        var managedReplaced = 0
        // Over SSH, edge-1 (news and shop's backends); locally, edge-2,
        // which also runs shop's publisher.
        for host in [transport == .ssh ? "edge-1" : "edge-2"] {
            let targets = sandbox.attackablePaths(host)
            for (hostPath, user) in targets {
                let real = sandbox.path(host, hostPath)
                var info = stat()
                guard lstat(real, &info) == 0 else { continue }
                let isFolder = info.st_mode & S_IFMT == S_IFDIR
                let moved = real + ".oo-moved"
                let planted = try Attacker.run(
                    user,
                    "mv -T \(Attacker.quote(real)) \(Attacker.quote(moved)) && ln -s \(Attacker.quote(isFolder ? canary.directory : canary.file)) \(Attacker.quote(real))"
                )
                guard planted.succeeded else { continue }
                attacked += 1

                // drift and the dry runs read and diff first (a managed
                // path must be reported as a link, and its target never
                // shown); then reconcile writes, chowns, removes and
                // signals, and must leave a real file or folder in place of
                // a managed path's link. Every third path also takes the
                // other commands (they read the same way), to bound the
                // time.
                let managed = sandbox.managedPaths(host).contains(hostPath)
                var runs: [[String]] = [["drift"], ["reconcile", "--dry-run"], ["reconcile"]]
                if attacked % 3 == 1 {
                    runs += [
                        ["reconcile", "--dry-run", "--output", "json"], ["status"], ["rollback", "--host", host],
                        ["render", "--host", host, "--out", out + "-\(attacked)", "--with-keys"],
                    ]
                }
                for command in runs {
                    let identity = command[0] != "status" && command[0] != "rollback"
                    let result = try sandbox.onionops(command, identity: identity)
                    commandsRun += 1
                    #expect(
                        !canary.leaked(in: result.stdout + result.stderr),
                        "\(command) printed the canary planted at \(host):\(hostPath)")
                    #expect(canary.damage() == [], "\(command) after \(user) linked \(host):\(hostPath)")
                    if managed, command == ["drift"] {
                        #expect(
                            result.exitCode == 2 && result.stdout.contains(hostPath),
                            "drift did not report the link at \(host):\(hostPath)")
                    }
                    if managed, command == ["reconcile"] {
                        var after = stat()
                        let replaced = lstat(real, &after) == 0 && after.st_mode & S_IFMT != S_IFLNK
                        #expect(replaced, "reconcile left the link at managed \(host):\(hostPath)")
                        if replaced { managedReplaced += 1 }
                    }
                }
                try? FileManager.default.removeItem(atPath: out + "-\(attacked)")
                restore(real, moved: moved, user: user)
            }
        }
        SecurityWorld.report(
            "sweep over \(transport): \(attacked) paths attacked (\(managedReplaced) managed ones replaced by "
                + "reconcile), \(commandsRun) commands run")
        #expect(attacked >= 40, "too few paths attacked: \(attacked)")
        let healed = try sandbox.onionops(["reconcile"])
        #expect(healed.exitCode == 0, "\(healed.stdout)\(healed.stderr)")
    }

    /// Puts the attacked path back if no command already replaced the link.
    private func restore(_ real: String, moved: String, user: String) {
        var info = stat()
        if lstat(real, &info) == 0, info.st_mode & S_IFMT == S_IFLNK { unlink(real) }
        if lstat(real, &info) != 0 {
            rename(moved, real)
        } else {
            _ = try? Attacker.run(user, "rm -rf \(Attacker.quote(moved))")
        }
    }

}
