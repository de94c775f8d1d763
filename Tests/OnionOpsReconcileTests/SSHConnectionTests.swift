import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

/// An SSH host costs one SSH connection per controller: every batch and the
/// lock's session share it. A second handshake per host (the lock once had
/// a connection of its own) costs a real server a login, a PAM session and
/// a log line, and cost the 20-host fan-out about a second.
@Suite("SSH connections of an apply", .enabled(if: Command.isRoot, "daemons run as their users"))
struct SSHConnectionTests {
    @Test("one apply, lock included, logs in to the host once")
    func oneLogin() async throws {
        let sshd = try SSHTestHost(address: "127.0.0.5")
        defer { sshd.stop() }
        let sandbox = try await ReconcileSandbox(ssh: sshd)
        defer { sandbox.stopAll() }
        // The test host's own readiness probe logged in before.
        let before = Self.logins(sshd)
        let reports = try await sandbox.apply()
        #expect(reports.first?.status == .applied, "\(reports.first?.failure ?? "")")
        #expect(Self.logins(sshd) - before == 1, "sshd's log:\n\(sshd.log)")
    }

    /// sshd -e ends its lines with \r\n, one Character in Swift: count the
    /// phrase, not lines.
    static func logins(_ sshd: SSHTestHost) -> Int {
        sshd.log.components(separatedBy: "Accepted publickey").count - 1
    }
}
