import Foundation
import OnionOpsTestSupport
import Testing

@testable import OnionOpsCommands

/// `onionops init` as a new user runs it: each topology gives a repository
/// that validates, whose keys open with the new identity, and whose plan
/// runs against local sandbox hosts; nothing is ever overwritten.
@Suite(.serialized) struct InitCLITests {
    static func onionops(_ arguments: [String]) async throws -> Command.Result {
        try await Command.runAsync(OnionOpsBinary.url.path, arguments)
    }

    @Test(arguments: StarterTopology.allCases)
    func newRepositoryValidatesAndPlans(_ topology: StarterTopology) async throws {
        let folder = try TemporaryFolder(prefix: "oo-init")
        defer { folder.remove() }
        let repository = folder.path + "/sites"
        let identity = folder.path + "/secret/identity.txt"
        let sandbox = folder.path + "/hosts"
        let made = try await Self.onionops([
            "init", repository, "--topology", topology.rawValue, "--identity", identity, "--sandbox", sandbox,
        ])
        #expect(made.succeeded, "\(made.output)")
        #expect(made.output.contains("age identity: \(identity)"))
        let manager = FileManager.default
        for file in [
            ".gitignore", "README.md", "deploy/git-hooks/post-receive", "deploy/systemd/onionops-watch.service",
            "deploy/systemd/onionops-drift.service", "deploy/systemd/onionops-drift.timer",
            "manifests/keys/recipients.txt",
        ] {
            #expect(manager.fileExists(atPath: repository + "/" + file), "\(file)")
        }
        #expect(manager.isExecutableFile(atPath: repository + "/deploy/git-hooks/post-receive"))
        let mode = (try manager.attributesOfItem(atPath: identity)[.posixPermissions] as? Int) ?? 0
        #expect(mode & 0o077 == 0, "identity mode \(String(mode, radix: 8))")

        let validated = try await Self.onionops(["validate", repository + "/manifests"])
        #expect(validated.succeeded, "\(validated.output)")
        let checked = try await Self.onionops(["keys", "check", repository + "/manifests", "--identity", identity])
        #expect(checked.succeeded, "\(checked.output)")
        // init made each sandbox host's root, as a reconcile needs it.
        for host in topology.defaultHosts {
            var folder: ObjCBool = false
            #expect(
                manager.fileExists(atPath: sandbox + "/" + host, isDirectory: &folder) && folder.boolValue, "\(host)")
        }
        let plan = try await Self.onionops([
            "reconcile", repository + "/manifests", "--dry-run", "--summary", "--identity", identity,
        ])
        // A dry run exits 2 when there is something to do: everything, on new hosts.
        #expect(plan.exitCode == 2, "\(plan.output)")
        #expect(plan.output.contains("start nginx-site"))
        if topology != .hardmap {
            #expect(plan.output.contains("start ob-site-front"))
        }
    }

    @Test func neverOverwrites() async throws {
        let folder = try TemporaryFolder(prefix: "oo-init")
        defer { folder.remove() }
        let repository = folder.path + "/sites"
        try FileManager.default.createDirectory(atPath: repository, withIntermediateDirectories: true)
        try "mine\n".write(toFile: repository + "/notes.txt", atomically: true, encoding: .utf8)
        let full = try await Self.onionops(["init", repository, "--identity", folder.path + "/id.txt"])
        #expect(full.exitCode == 1)
        #expect(full.output.contains("is not empty"))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/id.txt"))

        try "AGE-SECRET-KEY-1EXISTING\n".write(toFile: folder.path + "/old.txt", atomically: true, encoding: .utf8)
        let existing = try await Self.onionops(["init", folder.path + "/other", "--identity", folder.path + "/old.txt"])
        #expect(existing.exitCode == 1)
        #expect(existing.output.contains("never replaces one"))
        #expect(try String(contentsOfFile: folder.path + "/old.txt", encoding: .utf8) == "AGE-SECRET-KEY-1EXISTING\n")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/other"))

        let inside = try await Self.onionops([
            "init", folder.path + "/third", "--identity", folder.path + "/third/identity.txt",
        ])
        #expect(inside.exitCode == 1)
        #expect(inside.output.contains("inside the repository"))
    }

    /// The deployment files init writes are the Examples' own, byte for byte.
    @Test func deploymentFilesMatchTheExamples() throws {
        let examples = RepositoryPaths.examples.path
        let pairs = [
            (StarterFiles.postReceive, "git-hooks/post-receive"),
            (StarterFiles.watchService, "systemd/onionops-watch.service"),
            (StarterFiles.driftService, "systemd/onionops-drift.service"),
            (StarterFiles.driftTimer, "systemd/onionops-drift.timer"),
        ]
        for (text, path) in pairs {
            #expect(text == (try String(contentsOfFile: examples + "/" + path, encoding: .utf8)), "\(path)")
        }
    }
}
