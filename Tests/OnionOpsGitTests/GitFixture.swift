import Foundation
import OnionOpsTestSupport

/// An origin repository (bare, branch `main`) and a work tree that pushes
/// to it, built with the git CLI in a temporary folder; the libgit2 cache
/// goes beside them.
struct GitFixture {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let folder: TemporaryFolder
    var origin: String { folder.path + "/origin.git" }
    var work: String { folder.path + "/work" }
    var cache: String { folder.path + "/cache" }

    init() throws {
        folder = try TemporaryFolder(prefix: "oo-git")
        try git(["init", "-q", "--bare", "-b", "main", origin])
        try git(["init", "-q", "-b", "main", work])
        try git(["remote", "add", "origin", origin])
    }

    func remove() {
        folder.remove()
    }

    /// Runs git with no global or system configuration, a fixed identity
    /// and signing off unless asked for.
    @discardableResult
    func git(_ arguments: [String], in directory: String? = nil) throws -> String {
        let environment = [
            "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
            "GIT_AUTHOR_NAME=Test Author", "GIT_AUTHOR_EMAIL=author@example.org",
            "GIT_COMMITTER_NAME=Test Committer", "GIT_COMMITTER_EMAIL=committer@example.org",
        ]
        let result = try Command.capture(
            "/usr/bin/env", environment + ["/usr/bin/git", "-c", "commit.gpgsign=false"] + arguments,
            in: directory ?? (FileManager.default.fileExists(atPath: work) ? work : folder.path), mergeStreams: true)
        guard result.exitCode == 0 else {
            throw Failure(description: "git \(arguments.joined(separator: " ")): \(result.stdout)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ path: String, _ text: String) throws {
        try write(path, Array(text.utf8))
    }

    func write(_ path: String, _ bytes: [UInt8]) throws {
        let full = work + "/" + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    /// Commits everything (with `options` before `commit`, e.g. signing
    /// configuration) and pushes; the commit id.
    @discardableResult
    func commit(_ message: String, options: [String] = [], sign: Bool = false, push: Bool = true) throws -> String {
        try git(["add", "-A"])
        try git(options + ["commit", "-q", "--allow-empty", "-m", message] + (sign ? ["-S"] : []))
        if push { try git(["push", "-q", "origin", "HEAD:main"]) }
        return try git(["rev-parse", "HEAD"])
    }

    /// A typical manifest folder with a sealed key, plus files outside it.
    static let hosts = "apiVersion: onionops/v1\nkind: Host\nmetadata:\n  name: edge-1\n"
    static let projects = "apiVersion: onionops/v1\nkind: Project\nmetadata:\n  name: shop\n"
    static let sealedKey: [UInt8] = Array("age-encryption.org/v1\n".utf8) + [0, 1, 2, 0xFF, 0xFE, 10]

    func addManifests() throws {
        try write("manifests/hosts.yaml", Self.hosts)
        try write("manifests/projects.yaml", Self.projects)
        try write("manifests/keys/abc.onion.age", Self.sealedKey)
        try write("README.md", "# ops\n")
        try write("other/notes.txt", "not a manifest\n")
    }
}

/// Milliseconds since `start`, for the timings printed by the tests.
func milliseconds(since start: ContinuousClock.Instant) -> String {
    let duration = ContinuousClock.now - start
    let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return String(format: "%.1f ms", value)
}
