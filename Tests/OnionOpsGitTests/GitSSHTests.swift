import Foundation
import OnionOpsGit
import OnionOpsTestSupport
import Testing

/// Clones over ssh:// from a real sshd on 127.0.0.2 (sshd needs root).
@Suite(.enabled(if: Command.isRoot, "sshd runs as root"))
struct GitSSHTests {
    @Test("ssh:// clone and fetch with a key file; host key checked against known_hosts")
    func cloneOverSSH() throws {
        let sshd = try SSHTestHost(address: "127.0.0.2")
        defer { sshd.stop() }
        let fixture = try GitFixture()
        defer { fixture.remove() }
        try fixture.addManifests()
        let first = try fixture.commit("first")
        let connection = sshd.connection
        let url = "ssh://\(connection.user)@\(connection.address):\(connection.port)\(fixture.origin)"
        let options = GitSSHOptions(
            identityFile: connection.identityFile, knownHostsFiles: connection.knownHostsFile.map { [$0] })

        var start = ContinuousClock.now
        let repository = try GitRepository.sync(url: url, cacheDirectory: fixture.cache, ssh: options)
        print("git clone over ssh://: \(milliseconds(since: start))")
        #expect(try repository.resolve(branch: "main").id == first)
        #expect(try repository.files(at: first, under: "manifests").count == 3)

        let second = try fixture.commit("second")
        start = ContinuousClock.now
        let fetched = try GitRepository.sync(url: url, cacheDirectory: fixture.cache, ssh: options)
        print("git fetch over ssh:// (one new commit): \(milliseconds(since: start))")
        #expect(try fetched.resolve(branch: "main").id == second)

        // A host key that is not in known_hosts: refused before any login.
        let otherHost = fixture.folder.path + "/other_host_key"
        _ = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherHost])
        let otherKey = try String(contentsOfFile: otherHost + ".pub", encoding: .utf8)
        let otherKnownHosts = fixture.folder.path + "/known_hosts"
        try "[\(connection.address)]:\(connection.port) \(otherKey)".write(
            toFile: otherKnownHosts, atomically: true, encoding: .utf8)
        let spoofed = GitSSHOptions(identityFile: connection.identityFile, knownHostsFiles: [otherKnownHosts])
        let hostKey = #expect(throws: GitError.self) {
            try GitRepository.sync(url: url, cacheDirectory: fixture.folder.path + "/cache-2", ssh: spoofed)
        }
        #expect(hostKey?.code == .hostKey)
        #expect(hostKey?.message.contains("[\(connection.address)]:\(connection.port)") == true)
        #expect(hostKey?.message.contains("SHA256:") == true)

        // A key the server does not know.
        let stranger = fixture.folder.path + "/stranger"
        _ = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger])
        let refused = GitSSHOptions(identityFile: stranger, knownHostsFiles: connection.knownHostsFile.map { [$0] })
        let login = #expect(throws: GitError.self) {
            try GitRepository.sync(url: url, cacheDirectory: fixture.folder.path + "/cache-3", ssh: refused)
        }
        #expect(login?.code == .clone)
        #expect(login?.message.contains(stranger) == true)
    }
}
