import Foundation
import OnionOpsTestSupport
import Testing

/// A manifest repository checked out on the controller, as someone who can
/// push to it leaves it: a valid example (hardmap-1, with its sealed keys)
/// plus whatever hostile files a test adds. The controller's own age
/// identity sits next to it, outside the repository, as the secret the
/// attacker wants printed.
struct IntakeAttackRepo {
    let folder: TemporaryFolder
    /// The controller's identity file (age-keygen output), outside `m/`.
    let identityPath: String
    /// `AGE-SECRET-KEY-1...`: must never appear in any output.
    let identitySecret: String

    /// The repository, relative to `folder.path` (so messages say `m/...`).
    static let repo = "m"

    init() throws {
        folder = try TemporaryFolder(prefix: "oo-intake")
        try FileManager.default.copyItem(
            atPath: RepositoryPaths.examples.appendingPathComponent("hardmap-1").path,
            toPath: folder.path + "/" + Self.repo)
        identityPath = folder.path + "/controller-identity.txt"
        let made = try Command.run("/usr/bin/age-keygen", ["-o", identityPath])
        guard made.succeeded else { throw Failure(description: "age-keygen: \(made.output)") }
        let text = try String(contentsOfFile: identityPath, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("AGE-SECRET-KEY-1") }) else {
            throw Failure(description: "age-keygen wrote no identity")
        }
        identitySecret = String(line)
    }

    func remove() { folder.remove() }

    /// `m/<relative>` on disk.
    func path(_ relative: String) -> String { folder.path + "/" + Self.repo + "/" + relative }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        try folder.write(Self.repo + "/" + relative, text)
    }

    @discardableResult
    func write(_ relative: String, _ bytes: [UInt8]) throws -> String {
        try folder.write(Self.repo + "/" + relative, Data(bytes))
    }

    /// Replaces (or creates) `m/<relative>` with a symbolic link.
    func link(_ relative: String, to target: String) throws {
        try? FileManager.default.removeItem(atPath: path(relative))
        try FileManager.default.createSymbolicLink(atPath: path(relative), withDestinationPath: target)
    }

    /// A FIFO at `m/<relative>`: reading it without a writer blocks.
    func fifo(_ relative: String) throws {
        try? FileManager.default.removeItem(atPath: path(relative))
        let made = try Command.run("/usr/bin/mkfifo", [path(relative)])
        guard made.succeeded else { throw Failure(description: "mkfifo: \(made.output)") }
    }

    /// Runs the real binary from `folder.path`, killed after `limit`
    /// seconds so a hang fails the test instead of the run (exit 137).
    func onionops(_ arguments: [String], limit: Int = 60) throws -> Command.Captured {
        try Command.capture(
            "/usr/bin/timeout", ["-s", "KILL", String(limit), OnionOpsBinary.url.path] + arguments,
            in: folder.path)
    }

    /// `validate m`.
    func validate() throws -> Command.Captured { try onionops(["validate", Self.repo]) }

    /// `reconcile --dry-run m` with the example's (demo) identity: intake
    /// fails before any host is touched.
    func dryRun() throws -> Command.Captured {
        try onionops(["reconcile", "--dry-run", Self.repo, "--identity", RepositoryPaths.demoIdentity.path])
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
}

/// Checks that no part of a secret reached an output: every 8-character
/// slice of its random part is looked for, so a secret cut into pieces
/// (40 characters at a time, as once happened) is caught too.
enum SecretLeak {
    static func slices(of secret: String, droppingPrefix prefix: String = "") -> [String] {
        let body = Array(secret.hasPrefix(prefix) ? String(secret.dropFirst(prefix.count)) : secret)
        guard body.count >= 8 else { return [String(body)] }
        return (0...(body.count - 8)).map { String(body[$0..<$0 + 8]) }
    }

    /// The first slice of `secret` found in `output`, or nil.
    static func find(_ secret: String, in output: String, droppingPrefix prefix: String = "") -> String? {
        slices(of: secret, droppingPrefix: prefix).first { output.contains($0) }
    }

    static func expectNone(
        _ secret: String, in run: Command.Captured, droppingPrefix prefix: String = "",
        _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let output = run.stdout + "\n" + run.stderr
        let leaked = find(secret, in: output, droppingPrefix: prefix)
        #expect(
            leaked == nil, "\(label): secret slice '\(leaked ?? "")' printed:\n\(output)",
            sourceLocation: sourceLocation)
    }
}
