import Foundation
import OnionOpsTestSupport
import Testing

@Suite("the onionops command line")
struct CLITests {
    @Test("validate: a valid folder exits 0 and says what it read")
    func validateValid() throws {
        let run = try OnionOpsBinary.run(["validate", RepositoryPaths.manifests.path])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("valid (2 files; 2 hosts, 2 projects, 1 balancer)"))
        #expect(run.stderr.isEmpty)
    }

    @Test("validate: PATH defaults to ./manifests")
    func defaultPath() throws {
        let run = try OnionOpsBinary.run(["validate"], in: RepositoryPaths.root.path)
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.hasPrefix("manifests: valid"))
    }

    @Test("validate: diagnostics go to stderr as file:line:column: error: message [code]")
    func validateText() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(
            "m/hosts.yaml",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  local: {root: /tmp/oo/e1}\n  colour: blue\n"
        )
        let run = try OnionOpsBinary.run(["validate", "m"], in: folder.path)
        #expect(run.exitCode == 1)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "m/hosts.yaml:6:3: error: unknown key 'colour' in 'spec'; expected one of: local, ssh, supervision, tor, nginx, onionbalance, testHost, testing, packages [unknown-key]"
        )
        #expect(lines.last == "m: invalid: 1 error in 1 file")
    }

    @Test("validate --output json is one parseable object with a format version")
    func validateJSON() throws {
        let run = try OnionOpsBinary.run(["validate", RepositoryPaths.manifests.path, "--output", "json"])
        #expect(run.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["formatVersion"] as? Int == 1)
        #expect(object["valid"] as? Bool == true)
        #expect((object["diagnostics"] as? [Any])?.isEmpty == true)
    }

    @Test("validate: a missing path is an error naming it")
    func missingPath() throws {
        let run = try OnionOpsBinary.run(["validate", "/nonexistent/manifests"])
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("/nonexistent/manifests:1:1: error: no such file or folder [source-unreadable]"))
    }

    @Test("validate: a folder without manifests is an error")
    func emptyFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("notes.txt", "nothing here")
        let run = try OnionOpsBinary.run(["validate", folder.path])
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("[no-manifests]"))
    }

    @Test("validate: keys/ and hidden folders are not read as manifests")
    func skipsKeys() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.copyItem(atPath: RepositoryPaths.manifests.path, toPath: folder.path + "/m")
        try folder.write("m/keys/not-a-manifest.yaml", ": : :")
        try folder.write("m/.git/config.yaml", ": : :")
        let run = try OnionOpsBinary.run(["validate", "m"], in: folder.path)
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
    }

    @Test("show: hosts, projects, sites, balancers and what runs where")
    func show() throws {
        let run = try OnionOpsBinary.run(["show", RepositoryPaths.examples.appendingPathComponent("softmap-4").path])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        for heading in ["Hosts (3)", "Projects (1)", "Balancers (1)", "What runs where"] {
            #expect(run.stdout.contains(heading), "missing \(heading)")
        }
        // The dedicated publisher runs only Onionbalance.
        let pubLine = run.stdout.split(separator: "\n").first { $0.hasPrefix("  pub-1 ") && $0.contains("ob-") }
        #expect(pubLine.map { !$0.contains("tor-") && !$0.contains("nginx-") } == true, "\(run.stdout)")
    }

    @Test("show --output json lists where each daemon runs")
    func showJSON() throws {
        let run = try OnionOpsBinary.run(["show", RepositoryPaths.manifests.path, "--output", "json"])
        #expect(run.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let hosts = try #require(object["hosts"] as? [[String: Any]])
        let edge2 = try #require(hosts.first { $0["name"] as? String == "edge-2" })
        #expect((edge2["runs"] as? [String])?.contains("ob-shop-front") == true)
    }

    @Test("show refuses invalid manifests with their diagnostics")
    func showInvalid() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(
            "m.yaml",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: Bad_Name}\nspec: {local: {root: /tmp/oo/x}}\n")
        let run = try OnionOpsBinary.run(["show", "m.yaml"], in: folder.path)
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("m.yaml:3:18: error: Host name 'Bad_Name' is not valid"))
    }

    @Test("--help explains every command")
    func help() throws {
        let run = try OnionOpsBinary.run(["--help"])
        #expect(run.exitCode == 0)
        #expect(run.stdout.contains("validate"))
        #expect(run.stdout.contains("show"))
        let validate = try OnionOpsBinary.run(["help", "validate"])
        #expect(validate.stdout.contains("Exit codes: 0 valid, 1 invalid or unreadable."))
    }
}
