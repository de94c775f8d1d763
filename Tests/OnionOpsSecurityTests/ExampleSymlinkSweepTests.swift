import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Class 1 over every Examples/ topology: on its reconciled sandbox hosts,
/// the daemon users replace every file they can, all at once, with links to
/// a root-only canary; then every folder they can. Each round runs every
/// command that reads or changes hosts once. (The per-path sweep over the
/// demo topology, local and SSH, is `HostSymlinkSweepTests`.)
@Suite(
    "class 1 sweep over every example",
    .serialized,
    .enabled(if: SecurityWorld.isEnabled, SecurityWorld.disabledReason)
)
struct ExampleSymlinkSweepTests {
    static let examples = [
        "hardmap-1", "hardmap-2", "hardmap-cpu", "softmap-1", "softmap-2", "softmap-3", "softmap-4", "softmap-ha",
    ]

    @Test("every file, then every folder, in daemon users' folders linked to a canary", arguments: examples)
    func example(name: String) throws {
        let sandbox = try HostAttackSandbox(example: name)
        let canary = try Canary()
        defer {
            sandbox.stop()
            canary.remove()
        }
        let first = try sandbox.onionops(["reconcile"])
        try #require(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        let again = try sandbox.onionops(["reconcile", "--full"])
        try #require(again.exitCode == 0, "\(again.stdout)\(again.stderr)")
        let hosts = sandbox.roots.keys.sorted()
        let firstHost = hosts.first ?? "edge-1"
        var attacked = 0
        var replaced = 0
        for folders in [false, true] {
            var planted: [(host: String, hostPath: String, real: String, user: String)] = []
            for host in hosts {
                for (hostPath, user) in sandbox.attackablePaths(host) {
                    let real = sandbox.path(host, hostPath)
                    var info = stat()
                    guard lstat(real, &info) == 0, (info.st_mode & S_IFMT == S_IFDIR) == folders else { continue }
                    let target = folders ? canary.directory : canary.file
                    let done = try Attacker.run(
                        user,
                        "mv -T \(Attacker.quote(real)) \(Attacker.quote(real)).oo-moved && ln -s \(Attacker.quote(target)) \(Attacker.quote(real))"
                    )
                    if done.succeeded { planted.append((host, hostPath, real, user)) }
                }
            }
            attacked += planted.count
            let commands: [([String], Bool)] = [
                (["drift"], true), (["reconcile", "--dry-run"], true),
                (["reconcile", "--dry-run", "--output", "json"], true), (["reconcile"], true), (["status"], false),
                (["rollback", "--host", firstHost], false),
                (
                    ["render", "--host", firstHost, "--out", sandbox.folder.path + "/out-\(folders)", "--with-keys"],
                    true
                ),
            ]
            for (command, identity) in commands {
                let result = try sandbox.onionops(command, identity: identity)
                #expect(!canary.leaked(in: result.stdout + result.stderr), "\(name): \(command) printed the canary")
                #expect(canary.damage() == [], "\(name): after \(command)")
                if command == ["reconcile"] {
                    for entry in planted where sandbox.managedPaths(entry.host).contains(entry.hostPath) {
                        var info = stat()
                        let real = lstat(entry.real, &info) == 0 && info.st_mode & S_IFMT != S_IFLNK
                        #expect(real, "\(name): reconcile left the link at managed \(entry.host):\(entry.hostPath)")
                        if real { replaced += 1 }
                    }
                }
            }
            for entry in planted.reversed() {
                var info = stat()
                if lstat(entry.real, &info) == 0, info.st_mode & S_IFMT == S_IFLNK { unlink(entry.real) }
                if lstat(entry.real, &info) != 0 {
                    rename(entry.real + ".oo-moved", entry.real)
                } else {
                    _ = try? Attacker.run(entry.user, "rm -rf \(Attacker.quote(entry.real + ".oo-moved"))")
                }
            }
            let healed = try sandbox.onionops(["reconcile"])
            #expect(healed.exitCode == 0, "\(name): \(healed.stdout)\(healed.stderr)")
        }
        SecurityWorld.report(
            "example sweep \(name): \(attacked) paths attacked on \(hosts.count) host(s), \(replaced) managed links "
                + "replaced by reconcile")
        #expect(attacked > 0)
    }

}
