import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

/// The ssh runs of one apply to an SSH host of the demo's 2-site topology
/// (edge-1: news hardmap and shop softmap), counted from outside: run it
/// under `strace -f -e trace=execve` and count the `/usr/bin/ssh` runs
/// between the markers (`/bin/echo onionops-marker-...`). A measurement,
/// so it runs only when asked (ONIONOPS_COUNT_SSH=1).
@Suite(
    "ssh runs of an apply",
    .enabled(if: Command.isRoot && ProcessInfo.processInfo.environment["ONIONOPS_COUNT_SSH"] == "1"),
    .serialized)
struct SSHApplyRoundTrips {
    @Test("a fresh apply, then one with nothing to change")
    func count() async throws {
        let sshd = try SSHTestHost(address: "127.0.0.4")
        defer { sshd.stop() }
        let sandbox = try await ReconcileSandbox(ssh: sshd)
        defer { sandbox.stopAll() }
        _ = try Command.run("/bin/echo", ["onionops-marker-fresh"])
        let first = try await sandbox.apply()
        _ = try Command.run("/bin/echo", ["onionops-marker-again"])
        let second = try await sandbox.apply()
        _ = try Command.run("/bin/echo", ["onionops-marker-changed"])
        let third = try await sandbox.apply(ReconcileTests.changingNginx(of: sandbox.topology), commit: "two")
        _ = try Command.run("/bin/echo", ["onionops-marker-end"])
        #expect(first.map(\.status) == [.applied, .applied], "\(first.map { $0.failure ?? "" })")
        #expect(second.map(\.status) == [.inSync, .inSync], "\(second.map { $0.failure ?? "" })")
        #expect(third.first?.status == .applied, "\(third.map { $0.failure ?? "" })")
    }
}
