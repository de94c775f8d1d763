import Foundation
import OnionOpsTestSupport
import Testing

/// `onionops hosts prepare` on a container built without tor, nginx and
/// Onionbalance, whose only apt source is the test repository.
@Suite(.serialized, .enabled(if: SystemdWorld.isEnabled, SystemdWorld.disabledReason))
struct HostsPrepareTests {
    @Test("verify names what is missing and the fix; install makes the host ready; a second run changes nothing")
    func prepareBareHost() async throws {
        let repository = SystemdTestHost.imageDirectory + "/repo"
        try await SystemdTestHost.with(
            [("hp-bare", 51)], image: .bare, sudoers: SudoReconcileTests.sudoers, repository: repository
        ) { hosts in
            let bare = hosts[0]
            // edge-2 runs the shop publisher: it needs onionbalance too.
            let verify = try SystemdSandbox(
                source: RepositoryPaths.manifests, hosts: [("edge-1", bare), ("edge-2", bare)], user: "deploy")
            defer { verify.remove() }
            let only = ["--hosts", "edge-2"]
            let checked = try await verify.onionops(["hosts", "prepare", verify.manifests] + only)
            SystemdWorld.report("prepare, verify policy: exit \(checked.exitCode)\n\(checked.stdout)")
            #expect(checked.exitCode == 1, "\(checked.stdout)\n\(checked.stderr)")
            for line in [
                "edge-2: NOT READY", "! tor is not installed (onion services)",
                "! onionbalance is not installed (the Onionbalance publisher)",
                "! fix: apt-get install tor nginx libnginx-mod-http-subs-filter libnginx-mod-http-lua age onionbalance",
            ] {
                #expect(checked.stdout.contains(line), "missing: \(line)\n\(checked.stdout)")
            }
            #expect(try await bare.ssh("command -v tor || echo none").stdout == "none\n", "verify installed tor")

            let install = try SystemdSandbox(
                source: RepositoryPaths.manifests, hosts: [("edge-1", bare), ("edge-2", bare)], user: "deploy",
                packages: "install")
            defer { install.remove() }
            let planned = try await install.onionops(["hosts", "prepare", install.manifests, "--dry-run"] + only)
            SystemdWorld.report("prepare --dry-run: exit \(planned.exitCode)\n\(planned.stdout)")
            #expect(planned.exitCode == 2, "\(planned.stdout)\n\(planned.stderr)")
            let prepared = try await install.onionops(["hosts", "prepare", install.manifests] + only)
            SystemdWorld.report(
                "prepare, install policy: exit \(prepared.exitCode) in \(String(format: "%.1f", prepared.seconds)) s\n"
                    + prepared.stdout)
            #expect(prepared.exitCode == 0, "\(prepared.stdout)\n\(prepared.stderr)")
            #expect(prepared.stdout.contains("edge-2: prepared"), "\(prepared.stdout)")
            let services = try await bare.ssh(
                "systemctl is-enabled tor.service nginx.service onionbalance.service; "
                    + "systemctl is-active tor@default.service nginx.service; true")
            #expect(!services.stdout.contains("enabled\n"), "Debian's services left enabled: \(services.stdout)")
            #expect(!services.stdout.hasPrefix("active") && !services.stdout.contains("\nactive"), "\(services.stdout)")

            let again = try await install.onionops(["hosts", "prepare", install.manifests] + only)
            #expect(again.exitCode == 0, "\(again.stdout)\n\(again.stderr)")
            #expect(again.stdout.contains("edge-2: ready, nothing to change"), "\(again.stdout)")

            let applied = try await install.reconcile(only)
            SystemdWorld.report("reconcile after prepare: exit \(applied.exitCode)")
            #expect(applied.exitCode == 0, "\(applied.stdout)\n\(applied.stderr)")
        }
    }
}
