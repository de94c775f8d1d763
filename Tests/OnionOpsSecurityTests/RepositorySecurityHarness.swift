import Foundation
import OnionOpsCore
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The demo manifests (with their sealed keys) copied into a folder of the
/// test's own, its two hosts' roots under that folder (edge-1 optionally
/// over SSH), plus what the repository and listener attacks need: a git
/// work tree and bare origin, signing keys, `onionops watch` as a real
/// process.
final class RepositorySecurityHarness: Sendable {
    let folder: TemporaryFolder
    let manifests: String
    let ssh: SSHTestHost?
    let port: Int
    let secret = "listener-secret-for-tests"

    init(ssh: SSHTestHost? = nil, prefix: String = "oo-rsec") throws {
        folder = try TemporaryFolder(prefix: prefix)
        // Root-owned and 0755 whatever the umask: binaries planted under it
        // must pass the host-side trust check only when the test means it.
        chmod(folder.path, 0o755)
        self.ssh = ssh
        manifests = folder.path + "/repo/manifests"
        port = Int.random(in: 20_000..<60_000)
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder.path + "/repo", withIntermediateDirectories: true)
        try manager.copyItem(atPath: RepositoryPaths.manifests.path, toPath: manifests)
        var hosts = try String(contentsOfFile: manifests + "/hosts.yaml", encoding: .utf8)
        hosts = hosts.replacingOccurrences(of: "/tmp/onionops-demo", with: folder.path)
        if let ssh {
            let connection = ssh.connection
            hosts = hosts.replacingOccurrences(
                of: "local: {root: \(folder.path)/edge-1}",
                with: """
                    ssh: {address: \(connection.address), port: \(connection.port), user: \(connection.user), \
                    identityFile: \(connection.identityFile ?? ""), knownHostsFile: \(connection.knownHostsFile ?? ""), \
                    root: \(connection.root)}
                    """)
        }
        try hosts.write(toFile: manifests + "/hosts.yaml", atomically: true, encoding: .utf8)
        for host in ["edge-1", "edge-2"] {
            try manager.createDirectory(atPath: folder.path + "/" + host, withIntermediateDirectories: true)
        }
        try secret.write(toFile: folder.path + "/secret", atomically: true, encoding: .utf8)
        chmod(folder.path + "/secret", 0o600)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Where a host's files are on this machine.
    func root(_ host: String) -> String {
        if host == "edge-1", let ssh { return ssh.connection.root }
        return folder.path + "/" + host
    }

    func read(_ host: String, _ hostPath: String) -> String? {
        try? String(contentsOfFile: root(host) + hostPath, encoding: .utf8)
    }

    func appliedCommit(_ host: String) -> String? {
        read(host, Generation.appliedCommitPath)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Adds lines to a host's spec in hosts.yaml (after its connection).
    func addToSpec(of host: String, _ lines: String) throws {
        let path = manifests + "/hosts.yaml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        guard let name = text.range(of: "metadata: {name: \(host)}"),
            let supervision = text.range(of: "  supervision: direct\n", range: name.upperBound..<text.endIndex)
        else { throw SandboxTree.Failure(description: "no host \(host) in \(path)") }
        text.insert(contentsOf: lines, at: supervision.upperBound)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// `onionops` with the demo identity, as a user runs it.
    func run(_ arguments: [String]) throws -> OnionOpsBinary.Result {
        try OnionOpsBinary.run(arguments + ["--identity", RepositoryPaths.demoIdentity.path])
    }

    /// Starts `onionops watch` with `arguments` after the common ones.
    func watch(_ arguments: [String], log: String = "watch") throws -> BackgroundProcess {
        try BackgroundProcess(
            OnionOpsBinary.url.path,
            [
                "watch", "--identity", RepositoryPaths.demoIdentity.path, "--listen", "127.0.0.1:\(port)",
                "--webhook-secret-file", folder.path + "/secret",
            ] + arguments,
            log: folder.path + "/\(log).log"
        )
    }

    /// `curl` as a second process: POST `path` with extra arguments; the
    /// HTTP status.
    func post(_ path: String, _ arguments: [String] = []) -> Int {
        let output = try? Command.capture(
            "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-X", "POST"] + arguments + [url + path])
        return Int(output?.stdout ?? "") ?? 0
    }

    func get(_ path: String) -> String {
        (try? Command.capture("/usr/bin/curl", ["-s", "--max-time", "5", url + path]).stdout) ?? ""
    }

    /// Waits up to `seconds` for `condition`, polling every 200 ms.
    @discardableResult
    func wait(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(200_000)
        }
        return condition()
    }

    /// Kills every daemon the reconciles started, and removes the folder.
    func tearDown() {
        SandboxDaemons.kill(roots: [root("edge-1"), root("edge-2")])
        folder.remove()
    }

    // MARK: git

    /// A work tree at `<folder>/repo` (holding `manifests/`) pushing to
    /// `<folder>/origin.git`, commits signed with an SSH key listed in
    /// `allowedSigners`.
    struct Repository {
        let work: String
        let bare: String
        let key: String
        let allowedSigners: String

        init(harness: RepositorySecurityHarness) throws {
            work = harness.folder.path + "/repo"
            bare = harness.folder.path + "/origin.git"
            key = harness.folder.path + "/signing"
            allowedSigners = harness.folder.path + "/allowed_signers"
            _ = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ops", "-f", key])
            let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8)
                .split(separator: " ").prefix(2).joined(separator: " ")
            try "ops@example.org namespaces=\"git\" \(publicKey)\n".write(
                toFile: allowedSigners, atomically: true, encoding: .utf8)
            try GitCLI.run(["init", "-q", "--bare", "-b", "main", bare], in: harness.folder.path)
            try GitCLI.run(["init", "-q", "-b", "main"], in: work)
            try GitCLI.run(["remote", "add", "origin", bare], in: work)
        }

        /// Commits everything, signed, and pushes; the commit id.
        @discardableResult
        func commitAndPush(_ message: String) throws -> String {
            try GitCLI.run(["add", "-A"], in: work)
            try GitCLI.run(
                [
                    "-c", "gpg.format=ssh", "-c", "user.signingkey=\(key)", "-c", "commit.gpgsign=true",
                    "commit", "-q", "--allow-empty", "-m", message,
                ], in: work)
            try GitCLI.run(["push", "-q", "origin", "main"], in: work)
            return try GitCLI.run(["rev-parse", "HEAD"], in: work).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Moves origin's branch back to `commit` (a force-push).
        func forcePush(_ commit: String) throws {
            try GitCLI.run(["push", "-q", "-f", "origin", "\(commit):refs/heads/main"], in: work)
        }

        func edit(_ file: String, _ change: (String) -> String) throws {
            let path = work + "/manifests/" + file
            try change(try String(contentsOfFile: path, encoding: .utf8)).write(
                toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
