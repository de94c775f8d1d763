import Foundation
import OnionOpsTestSupport
import Testing

/// Two controllers (one logged in as root, one as deploy with sudo) start
/// the same first apply on the same systemd host at the same moment.
@Suite(.serialized, .enabled(if: SystemdWorld.isEnabled, SystemdWorld.disabledReason))
struct SystemdLockTests {
    @Test("two controllers at once: one applies, the other is refused naming the lock or finds the host in sync")
    func twoControllers() async throws {
        try await SystemdTestHost.with([("lk-edge", 61)], sudoers: SudoReconcileTests.sudoers) { hosts in
            let edge = hosts[0]
            let hostsList = [("edge-1", edge), ("edge-2", edge)]
            let root = try SystemdSandbox(source: RepositoryPaths.manifests, hosts: hostsList, user: "root")
            let deploy = try SystemdSandbox(source: RepositoryPaths.manifests, hosts: hostsList, user: "deploy")
            defer {
                root.remove()
                deploy.remove()
            }
            let only = ["--hosts", "edge-1"]
            async let first = root.reconcile(only)
            async let second = deploy.reconcile(only)
            let runs = try await [first, second]
            let summary = zip(["root", "deploy"], runs).map { label, run in
                "\(label): exit \(run.exitCode)\n\(run.stdout)"
            }.joined(separator: "\n")
            SystemdWorld.report("two controllers at once:\n\(summary)")
            #expect(runs.filter { $0.exitCode == 0 }.count >= 1, "\(summary)")
            for run in runs where run.exitCode != 0 {
                #expect(run.exitCode == 1, "\(summary)")
                #expect((run.stdout + run.stderr).contains("locked by"), "\(summary)")
            }
            #expect(runs.allSatisfy { $0.exitCode != 3 }, "no apply may be rolled back: \(summary)")
            let drift = try await deploy.onionops(["drift", deploy.manifests, "--identity", deploy.identity] + only)
            #expect(drift.exitCode == 0, "\(drift.stdout)\n\(drift.stderr)")
        }
    }
}
