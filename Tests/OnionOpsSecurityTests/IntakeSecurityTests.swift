import Foundation
import OnionOpsKeys
import OnionOpsTestSupport
import Testing

/// Class 3 of the hardening review: someone who can push to the manifest
/// repository, but should not read the controller's secrets or stall it.
/// Each test leaves hostile files in a checked-out repository and runs the
/// real `onionops` binary on it, as the operator (root) would.
@Suite(.enabled(if: SecurityWorld.isEnabled, SecurityWorld.disabledReason), .serialized)
struct IntakeSecurityTests {
    // MARK: F13: links and special files in a folder source

    /// Where the attacker plants a link to the controller's identity.
    static let linkedPaths = [
        "stolen.yaml",  // a new manifest
        "projects.yaml",  // an existing manifest replaced by a link
        "keys/recipients.txt",  // the recipients file of the sealed keys
        "extra",  // a folder link (to a folder holding a copy as YAML)
    ]

    @Test("a link in the repository is refused by name, never followed", arguments: linkedPaths)
    func linkIsRefused(_ relative: String) throws {
        let repo = try IntakeAttackRepo()
        defer { repo.remove() }
        if relative == "extra" {
            let outside = try repo.folder.write("outside/identity.yaml", repo.identitySecret + "\n")
            try repo.link(relative, to: (outside as NSString).deletingLastPathComponent)
        } else {
            try repo.link(relative, to: repo.identityPath)
        }
        for (label, run) in [("validate", try repo.validate()), ("reconcile --dry-run", try repo.dryRun())] {
            #expect(run.exitCode == 1, "\(label): \(run.stderr)")
            #expect(
                run.stderr.contains("m/\(relative):1:1: error: is a symbolic link"),
                "\(label) must name the link: \(run.stderr)")
            #expect(run.stderr.contains("[not-regular-file]"))
            SecretLeak.expectNone(repo.identitySecret, in: run, droppingPrefix: "AGE-SECRET-KEY-1", label)
        }
    }

    /// FIFOs where intake (or the plaintext-key scan, or the inputs digest
    /// of `reconcile`) used to open and block on them.
    static let fifoPaths = ["evil.yaml", "notes.txt", "keys/extra.onion.age", "linked.yaml"]

    @Test("a FIFO in the repository is refused at once, not waited on", arguments: fifoPaths)
    func fifoIsRefused(_ relative: String) throws {
        let repo = try IntakeAttackRepo()
        defer { repo.remove() }
        if relative == "linked.yaml" {
            let outside = repo.folder.path + "/outside.fifo"
            #expect(try Command.run("/usr/bin/mkfifo", [outside]).succeeded)
            try repo.link(relative, to: outside)
        } else {
            try repo.fifo(relative)
        }
        let expected = relative == "linked.yaml" ? "is a symbolic link" : "is a FIFO (named pipe)"
        for (label, run) in [("validate", try repo.validate()), ("reconcile --dry-run", try repo.dryRun())] {
            #expect(run.exitCode == 1, "\(label) exited \(run.exitCode) (137: killed after hanging): \(run.stderr)")
            #expect(run.seconds < 30, "\(label) took \(run.seconds) s")
            #expect(
                run.stderr.contains("m/\(relative):1:1: error: \(expected)"), "\(label) must name it: \(run.stderr)")
        }
    }

    /// Hostile text in regular files: each puts the identity where a
    /// diagnostic used to quote it, with the line the error must name.
    struct EchoCase: Sendable, CustomStringConvertible {
        var description: String
        var file: String
        var text: @Sendable (String) -> String
        var line: Int
    }

    static let echoCases: [EchoCase] = [
        EchoCase(
            description: "the identity file as a manifest", file: "stray.yaml",
            text: { "# created\n# public key\n\($0)\n" }, line: 3),
        EchoCase(
            description: "as an unknown key", file: "hosts.yaml",
            text: { "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-9}\nspec:\n  \($0): 1\n" }, line: 5),
        EchoCase(
            description: "as the kind", file: "hosts.yaml",
            text: { "apiVersion: onionops/v1\nkind: \($0)\nmetadata: {name: edge-9}\nspec: {}\n" }, line: 2),
        EchoCase(
            description: "as the apiVersion", file: "hosts.yaml",
            text: { "apiVersion: \($0)\nkind: Host\nmetadata: {name: edge-1}\nspec: {local: {root: /tmp/x}}\n" },
            line: 1),
        EchoCase(
            description: "as an enum value", file: "hosts.yaml",
            text: {
                "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  local: {root: /tmp/x}\n  supervision: \($0)\n"
            }, line: 6),
        EchoCase(description: "as a duplicate key", file: "dup.yaml", text: { "\($0): 1\n\($0): 2\n" }, line: 2),
        EchoCase(
            description: "as an integer", file: "hosts.yaml",
            text: {
                "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  ssh: {address: h, port: \($0)}\n"
            }, line: 5),
        EchoCase(
            description: "as a name a validation rule quotes", file: "hosts.yaml",
            text: {
                "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: \"\($0)\"}\nspec: {local: {root: /tmp/x}}\n"
            },
            line: 3),
    ]

    @Test("no diagnostic repeats a secret written into a manifest", arguments: echoCases)
    func noEcho(_ echo: EchoCase) throws {
        let repo = try IntakeAttackRepo()
        defer { repo.remove() }
        try repo.write(echo.file, echo.text(repo.identitySecret))
        let run = try repo.validate()
        #expect(run.exitCode == 1, "\(run.stderr)")
        #expect(run.stderr.contains("m/\(echo.file):\(echo.line):"), "must name the line: \(run.stderr)")
        SecretLeak.expectNone(repo.identitySecret, in: run, droppingPrefix: "AGE-SECRET-KEY-1", echo.description)
    }

    // MARK: F14: keys/ and age

    @Test("keys new: a recipients.txt linked to (or holding) the identity is refused without printing it")
    func recipientsHoldingTheIdentity() throws {
        let repo = try IntakeAttackRepo()
        defer { repo.remove() }
        let original = try String(contentsOfFile: repo.path("keys/recipients.txt"), encoding: .utf8)

        try repo.link("keys/recipients.txt", to: repo.identityPath)
        let linked = try repo.onionops(["keys", "new", IntakeAttackRepo.repo])
        #expect(linked.exitCode == 1, "\(linked.stderr)")
        #expect(linked.stderr.contains("m/keys/recipients.txt is a symbolic link"), "\(linked.stderr)")
        SecretLeak.expectNone(repo.identitySecret, in: linked, droppingPrefix: "AGE-SECRET-KEY-1", "linked")

        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).count
        try? FileManager.default.removeItem(atPath: repo.path("keys/recipients.txt"))
        try repo.write("keys/recipients.txt", original + repo.identitySecret + "\n")
        let pasted = try repo.onionops(["keys", "new", IntakeAttackRepo.repo])
        #expect(pasted.exitCode == 1, "\(pasted.stderr)")
        #expect(pasted.stderr.contains("m/keys/recipients.txt:\(lines):"), "must name the line: \(pasted.stderr)")
        SecretLeak.expectNone(repo.identitySecret, in: pasted, droppingPrefix: "AGE-SECRET-KEY-1", "pasted")
        // And validation finds it as a plaintext key.
        let validated = try repo.validate()
        #expect(validated.stderr.contains("m/keys/recipients.txt:\(lines):1: error: an age identity"))
        SecretLeak.expectNone(repo.identitySecret, in: validated, droppingPrefix: "AGE-SECRET-KEY-1", "validate")
    }

    @Test("a sealed-key file that is not sealed: age's stderr is filtered, its content never shown")
    func ageStderrIsFiltered() throws {
        let repo = try IntakeAttackRepo()
        defer { repo.remove() }
        // Not a key format the scan refuses: a token, as the first line age
        // quotes back ("unexpected intro: ...").
        let token =
            "ghp_"
            + String(
                (0..<36).map { _ in "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".randomElement() ?? "x" }
            )
        let sealed = try FileManager.default.contentsOfDirectory(atPath: repo.path("keys"))
            .filter { $0.hasSuffix(".onion.age") }
        for name in sealed {
            try? FileManager.default.removeItem(atPath: repo.path("keys/" + name))
            try repo.write("keys/" + name, token + "\n")
        }
        let run = try repo.dryRun()
        #expect(run.exitCode == 1, "\(run.stderr)")
        #expect(run.stderr.contains(".onion.age"), "must name the file: \(run.stderr)")
        #expect(run.stderr.contains("not a valid age file"), "\(run.stderr)")
        SecretLeak.expectNone(token, in: run, droppingPrefix: "ghp_", "age stderr")
    }

    @Test("sealing runs in-process: no age process, no file holding plaintext, nothing left after a SIGKILL")
    func ageInputOffDisk() throws {
        let repo = try IntakeAttackRepo()
        defer { repo.remove() }
        let scratch = repo.folder.path + "/tmpdir"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let trace = repo.folder.path + "/exec-trace"
        // A private mount namespace with a fresh /dev/shm: every program
        // `keys new` starts is traced, and it is killed mid-run once.
        let script = """
            set -e
            mount -t tmpfs none /dev/shm
            cd \(repo.folder.path)
            TMPDIR=\(scratch) /usr/bin/strace -f -qq -e trace=execve,memfd_create,openat -o \(trace) \
              \(OnionOpsBinary.url.path) keys new \(IntakeAttackRepo.repo) >/dev/null 2>&1
            TMPDIR=\(scratch) \(OnionOpsBinary.url.path) keys new \(IntakeAttackRepo.repo) >/dev/null 2>&1 &
            pid=$!
            sleep 0.05
            kill -9 $pid 2>/dev/null || true
            wait $pid 2>/dev/null || true
            echo "left in /dev/shm: $(ls -A /dev/shm | tr '\\n' ' ')"
            echo "left in TMPDIR: $(ls -A \(scratch) | tr '\\n' ' ')"
            """
        let run = try Command.run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", script])
        let traced = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        #expect(traced.contains("execve("), "nothing was traced: \(run.output)")
        let programs = traced.split(separator: "\n").filter { $0.contains("execve(") && !$0.contains("ENOENT") }
        #expect(!programs.contains { $0.contains("/age\"") }, "an age process ran: \(programs)")
        #expect(!traced.contains("memfd_create"), "plaintext went to an anonymous file: \(traced.prefix(2000))")
        #expect(
            !traced.contains("/dev/shm/") && !traced.contains(scratch), "a temp file was opened: \(traced.prefix(2000))"
        )
        #expect(run.output.contains("left in /dev/shm: \n"), "plaintext survived the SIGKILL: \(run.output)")
        #expect(run.output.contains("left in TMPDIR: \n"), "plaintext survived the SIGKILL: \(run.output)")
    }

    // MARK: F15: keys the plaintext scan missed

    struct LeakCase: Sendable, CustomStringConvertible {
        var description: String
        var file: String
        /// The file's bytes, the secret text that must not be printed and
        /// the line the finding must name.
        var make: @Sendable () throws -> (bytes: [UInt8], secret: String, line: Int)
        var finding: String
    }

    static func privateKeyPEM() throws -> String {
        try TLSCertificateFactory().makeCertificate(for: OnionKey.generate().address, now: Date()).privateKeyPEM
    }

    static func base64(_ bytes: [UInt8], wrap: Int? = nil) -> String {
        let text = Data(bytes).base64EncodedString()
        guard let wrap else { return text }
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(wrap)))
            rest = rest.dropFirst(wrap)
        }
        return lines.joined(separator: "\n")
    }

    static let leakCases: [LeakCase] = [
        LeakCase(
            description: "a tor key after one leading newline", file: "notes/hs_key",
            make: {
                let key = OnionKey.generate().torSecretKeyFile
                return ([10] + key, base64(key), 2)
            }, finding: "a tor onion secret key"),
        LeakCase(
            description: "a base64 tor key in a YAML comment", file: "hosts.yaml",
            make: {
                let key = base64(OnionKey.generate().torSecretKeyFile)
                let hosts = try String(
                    contentsOf: RepositoryPaths.examples.appendingPathComponent("hardmap-1/hosts.yaml"), encoding: .utf8
                )
                let line = hosts.split(separator: "\n", omittingEmptySubsequences: false).count
                return (Array((hosts + "# backup: \(key)\n").utf8), key, line)
            }, finding: "a tor onion secret key, base64-encoded,"),
        LeakCase(
            description: "a base64 PEM in a .b64 file", file: "tls/site.key.b64",
            make: {
                let pem = try IntakeSecurityTests.privateKeyPEM()
                return (Array((base64(Array(pem.utf8), wrap: 76) + "\n").utf8), pem, 1)
            }, finding: "a PEM private key, base64-encoded,"),
        LeakCase(
            description: "a PEM after 1 MiB of padding", file: "notes/big.txt",
            make: {
                let pem = try IntakeSecurityTests.privateKeyPEM()
                let padding = String(repeating: String(repeating: "x", count: 1023) + "\n", count: 1024)
                return (Array((padding + pem).utf8), pem, 1025)
            }, finding: "a PEM private key"),
        LeakCase(
            description: "an age identity", file: "notes/backup.txt",
            make: {
                let identity =
                    "AGE-SECRET-KEY-1"
                    + String((0..<58).map { _ in "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".randomElement() ?? "Q" })
                return (Array("# created: 2024-01-01\n\(identity)\n".utf8), identity, 2)
            }, finding: "an age identity"),
    ]

    @Test("validation finds every key the scan used to miss, by file and line", arguments: leakCases)
    func plaintextKeyFound(_ leak: LeakCase) throws {
        let repo = try IntakeAttackRepo()
        defer { repo.remove() }
        let (bytes, secret, line) = try leak.make()
        try? FileManager.default.removeItem(atPath: repo.path(leak.file))
        try repo.write(leak.file, bytes)
        let run = try repo.validate()
        #expect(run.exitCode == 1, "\(run.stderr)")
        #expect(
            run.stderr.contains("m/\(leak.file):\(line):1: error: \(leak.finding)")
                && run.stderr.contains("in the clear"),
            "\(leak.description): \(run.stderr)")
        #expect(run.stderr.contains("[plaintext-key]"))
        // PEM bodies: their base64 lines; others: the whole secret text.
        let body = secret.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        SecretLeak.expectNone(body, in: run, droppingPrefix: "AGE-SECRET-KEY-1", leak.description)
    }

    // MARK: F16: documents and errors without bound

    @Test("200,000 empty documents: refused by the guard at once, with one error")
    func manyDocumentsRefused() throws {
        let repo = try IntakeAttackRepo()
        defer { repo.remove() }
        try repo.write("flood.yaml", String(repeating: "---\n{}\n", count: 200_000))
        let run = try repo.validate()
        #expect(run.exitCode == 1)
        #expect(run.seconds < 30, "took \(run.seconds) s")
        #expect(
            run.stderr.contains("m/flood.yaml:20001:1: error: file has more than 10000 YAML documents"),
            "\(run.stderr.prefix(2000))")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count <= 3, "\(lines.count) lines")
    }

    @Test("thousands of errors: the first 100 are listed, then a count of the rest")
    func errorsAreCapped() throws {
        let repo = try IntakeAttackRepo()
        defer { repo.remove() }
        // Under the document limit, four errors each (no apiVersion, kind,
        // metadata, spec).
        try repo.write("flood.yaml", String(repeating: "---\n{}\n", count: 10_000))
        let run = try repo.validate()
        #expect(run.exitCode == 1)
        #expect(run.seconds < 30, "took \(run.seconds) s")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count <= 103, "\(lines.count) lines")
        #expect(lines.contains { $0.contains("[too-many-errors]") }, "the stop is always shown")
        #expect(
            lines.contains { $0.hasPrefix("m: and ") && $0.contains(" more errors not shown") }, "\(lines.suffix(3))")
        let json = try repo.onionops(["validate", IntakeAttackRepo.repo, "--output", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(((object["diagnostics"] as? [Any])?.count ?? 0) <= 101)
        #expect((object["omittedDiagnostics"] as? Int ?? 0) > 9_000)
    }
}
