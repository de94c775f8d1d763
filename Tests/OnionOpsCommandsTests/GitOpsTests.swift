import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Deploy by `git push`: a bare repository with a post-receive hook that
/// runs `onionops trigger`, and `onionops watch --repo` applying each pushed
/// commit to two sandbox hosts, one of them over SSH.
@Suite("git push to deploy", .enabled(if: Command.isRoot, "daemons run as their users"), .serialized)
struct GitOpsTests {
    /// A work tree with the harness's manifests, pushing to `origin.git`.
    struct Repository {
        let work: String
        let bare: String
        /// The daemon the post-receive hook triggers.
        let watchURL: String
        /// The token the hook sends (the daemon's webhook secret).
        let tokenFile: String

        init(harness: WatchHarness, hook: Bool = true) throws {
            work = harness.folder.path + "/repo"
            watchURL = harness.url
            tokenFile = harness.folder.path + "/webhook-secret"
            bare = harness.folder.path + "/origin.git"
            try Self.git(["init", "-q", "--bare", "-b", "main", bare], in: harness.folder.path)
            if hook {
                // The shipped hook, pointed at this test's daemon and binary.
                var text = try String(
                    contentsOfFile: RepositoryPaths.root.path + "/Examples/git-hooks/post-receive", encoding: .utf8)
                text = text.replacingOccurrences(of: "onionops trigger", with: OnionOpsBinary.url.path + " trigger")
                let path = bare + "/hooks/post-receive"
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                chmod(path, 0o755)
            }
            try Self.git(["init", "-q", "-b", "main"], in: work)
            try Self.git(["remote", "add", "origin", bare], in: work)
        }

        @discardableResult
        static func git(_ arguments: [String], in directory: String, environment: [String] = []) throws -> String {
            try GitCLI.run(arguments, in: directory, environment: environment)
        }

        /// Commits everything and pushes; the commit id.
        @discardableResult
        func push(_ message: String, extra: [String] = []) throws -> String {
            try Self.git(["add", "-A"], in: work)
            try Self.git(extra + ["commit", "-q", "--allow-empty", "-m", message], in: work)
            try Self.git(
                ["push", "-q", "origin", "main"], in: work,
                environment: ["ONIONOPS_WATCH_URL=\(watchURL)", "ONIONOPS_TRIGGER_TOKEN_FILE=\(tokenFile)"])
            return try Self.git(["rev-parse", "HEAD"], in: work).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func edit(_ file: String, _ change: (String) -> String) throws {
            let path = work + "/manifests/" + file
            try change(try String(contentsOfFile: path, encoding: .utf8)).write(
                toFile: path, atomically: true, encoding: .utf8)
        }
    }

    @Test("push applies; an invalid push changes nothing; a gate failure rolls back; a fix applies")
    func pushToDeploy() throws {
        let sshd = try SSHTestHost(address: "127.0.0.2")
        defer { sshd.stop() }
        let harness = try WatchHarness(ssh: sshd)
        defer {
            harness.stopDaemons(roots: [sshd.connection.root, harness.folder.path + "/edge-2"])
            harness.folder.remove()
        }
        let repo = try Repository(harness: harness)
        let first = try repo.push("edge-1 over ssh, edge-2 local")
        let watch = try harness.start([
            "--repo", repo.bare, "--branch", "main", "--path", "manifests", "--state", harness.folder.path + "/state",
            "--interval", "3600", "--drift-interval", "3600",
        ])
        defer { watch.stop() }
        let edge1 = { (path: String) in harness.read("edge-1", path, root: sshd.connection.root) }
        #expect(harness.wait(90) { edge1(Generation.appliedCommitPath) == first + "\n" }, "\(watch.log)")
        #expect(harness.read("edge-2", Generation.appliedCommitPath) == first + "\n")

        // A commit that fails validation: refused, logged with its
        // position, counted; the hosts stay on the first commit.
        try repo.edit("projects.yaml") { $0.replacingOccurrences(of: "  mode: hardmap", with: "  mode: hardmapp") }
        let invalid = try repo.push("typo")
        #expect(harness.wait(30) { watch.log.contains("revision \(invalid.prefix(12)) is invalid") }, "\(watch.log)")
        #expect(watch.log.contains("projects.yaml:"), "the log names the file and line")
        #expect(harness.get("/metrics").contains("onionops_revisions_refused_total{reason=\"invalid\"} 1"))
        #expect(edge1(Generation.appliedCommitPath) == first + "\n")

        // A commit that fails a gate on edge-2 (its nginx refuses every
        // config check): edge-2 rolls back, edge-1 takes it.
        let wrapper = harness.folder.path + "/nginx-refusing-t"
        try
            "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = -t ] && { echo 'nginx: [emerg] refused by the test' >&2; exit 1; }; done\nexec /usr/sbin/nginx \"$@\"\n"
            .write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        try repo.edit("projects.yaml") {
            $0.replacingOccurrences(of: "  mode: hardmapp", with: "  mode: hardmap")
                .replacingOccurrences(of: "value: onionops-demo}", with: "value: onionops-demo-2}")
        }
        try repo.edit("hosts.yaml") {
            $0.replacingOccurrences(
                of: "  local: {root: \(harness.folder.path)/edge-2}",
                with: "  local: {root: \(harness.folder.path)/edge-2}\n  nginx: {binary: \(wrapper)}")
        }
        let gated = try repo.push("a change edge-2's nginx refuses")
        #expect(harness.wait(60) { watch.log.contains("edge-2: rolled-back") }, "\(watch.log)")
        #expect(harness.wait(30) { edge1(Generation.appliedCommitPath) == gated + "\n" }, "\(watch.log)")
        #expect(harness.read("edge-2", Generation.appliedCommitPath) == first + "\n")
        #expect(harness.get("/metrics").contains("onionops_reconciles_total{host=\"edge-2\",result=\"rolled-back\"} 1"))

        // The fix.
        try repo.edit("hosts.yaml") { $0.replacingOccurrences(of: "\n  nginx: {binary: \(wrapper)}", with: "") }
        let fixed = try repo.push("fix")
        #expect(
            harness.wait(60) { harness.read("edge-2", Generation.appliedCommitPath) == fixed + "\n" }, "\(watch.log)")
        #expect(harness.wait(30) { edge1(Generation.appliedCommitPath) == fixed + "\n" }, "\(watch.log)")
    }

    @Test("signed commits: one signed by an allowed key is applied, an unsigned one is refused")
    func signedCommits() throws {
        let harness = try WatchHarness()
        defer {
            harness.stopDaemons(roots: [harness.folder.path + "/edge-1", harness.folder.path + "/edge-2"])
            harness.folder.remove()
        }
        let key = harness.folder.path + "/signing"
        _ = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ops", "-f", key])
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let signers = harness.folder.path + "/allowed_signers"
        try "ops@example.org namespaces=\"git\" \(publicKey)\n".write(
            toFile: signers, atomically: true, encoding: .utf8)
        let repo = try Repository(harness: harness)
        let signing = ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(key)", "-c", "commit.gpgsign=true"]
        let signed = try repo.push("signed", extra: signing)
        let watch = try harness.start([
            "--repo", repo.bare, "--branch", "main", "--path", "manifests", "--state", harness.folder.path + "/state",
            "--interval", "3600", "--drift-interval", "3600", "--require-signed", "--allowed-signers", signers,
        ])
        defer { watch.stop() }
        #expect(
            harness.wait(60) { harness.read("edge-1", Generation.appliedCommitPath) == signed + "\n" }, "\(watch.log)")

        try repo.edit("projects.yaml") {
            $0.replacingOccurrences(of: "subdomains: [www, static]", with: "subdomains: [www]")
        }
        let unsigned = try repo.push("unsigned")
        #expect(
            harness.wait(30) { watch.log.contains("\(unsigned.prefix(12))") && watch.log.contains("not signed") },
            "\(watch.log)")
        #expect(harness.get("/metrics").contains("onionops_revisions_refused_total{reason=\"unsigned\"}"))
        #expect(harness.read("edge-1", Generation.appliedCommitPath) == signed + "\n")
    }
}
