import Foundation
import OnionOpsCore
import OnionOpsHosts
import Subprocess

// Subprocess takes FilePath from System on Apple platforms and from
// swift-system's SystemPackage elsewhere.
#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Seals bytes to age recipients and opens them with an identity file, by
/// running the `age` binary (one short process per call). Plaintext goes to
/// age through an anonymous in-memory file and comes back through a pipe:
/// it never has a name on disk. age's stderr is filtered before any of it
/// is shown (`shownError`): it quotes what it could not parse, which can be
/// a secret.
public struct AgeSealer: Sendable {
    public static let defaultAgePath = "/usr/bin/age"

    /// Sealed or opened secrets are small; this only bounds a runaway.
    private static let outputLimit = 16 << 20
    private static let errorLimit = 64 << 10

    public var agePath: String

    public init(agePath: String = AgeSealer.defaultAgePath) {
        self.agePath = agePath
    }

    /// `plaintext` encrypted to every recipient (`age1...` or an SSH public
    /// key line): any one of their identities can open it.
    public func seal(_ plaintext: [UInt8], to recipients: [String]) async throws(SecretsError) -> [UInt8] {
        guard !recipients.isEmpty else {
            throw SecretsError(code: .noRecipients, message: "no age recipients to seal to")
        }
        // Checked before age sees them: age would quote a bad one in its
        // error, and its arguments are visible to every local user.
        for (index, recipient) in recipients.enumerated() {
            if let problem = SealedKeyStore.recipientProblem(recipient) {
                throw SecretsError(code: .badRecipient, message: "recipient \(index + 1) \(problem)")
            }
        }
        let arguments = ["--encrypt"] + recipients.flatMap { ["--recipient", $0] }
        let result = try await runAge(arguments, input: plaintext)
        guard result.status == 0 else {
            if result.stderr.contains("recipient") {
                throw SecretsError(code: .badRecipient, message: "age refused a recipient: \(result.summary)")
            }
            throw SecretsError(code: .ageFailed, message: "age could not seal: \(result.summary)")
        }
        return result.stdout
    }

    /// The plaintext of `sealed`, opened with the identities in
    /// `identityFile` (as `age-keygen` writes it).
    public func open(_ sealed: [UInt8], identityFile: String) async throws(SecretsError) -> [UInt8] {
        // Checked here for a clear message: age's own says "failed to open
        // file", which reads like a problem with the sealed file.
        guard FileManager.default.isReadableFile(atPath: identityFile) else {
            throw SecretsError(
                code: .noSuchIdentity, message: "age identity file \(identityFile) does not exist or is unreadable")
        }
        let result = try await runAge(
            ["--decrypt", "--identity", identityFile], input: sealed, knownPaths: [identityFile])
        guard result.status == 0 else {
            let stderr = result.stderr
            if stderr.contains("no identity matched") {
                throw SecretsError(
                    code: .wrongIdentity,
                    message: "the identity in \(identityFile) is not a recipient of this sealed file"
                )
            }
            if stderr.contains("reading \"") || stderr.contains("identity") {
                throw SecretsError(
                    code: .badIdentity, message: "\(identityFile) is not an age identity file: \(result.summary)")
            }
            if stderr.contains("header") || stderr.contains("unexpected EOF") || stderr.contains("decrypt") {
                throw SecretsError(
                    code: .notSealed, message: "not a valid age file (truncated or corrupt): \(result.summary)")
            }
            throw SecretsError(code: .ageFailed, message: "age could not open: \(result.summary)")
        }
        return result.stdout
    }

    private struct AgeResult {
        var status: Int32
        var stdout: [UInt8]
        /// age's own words, for classifying only: never shown as they are.
        var stderr: String
        /// Paths OnionOps chose (the identity file), which may stay quoted.
        var knownPaths: [String] = []

        /// age's first error line, filtered for showing: see
        /// `AgeSealer.shownError`.
        var summary: String {
            let shown = AgeSealer.shownError(stderr, keeping: knownPaths)
            return shown.isEmpty ? "exit status \(status)" : shown
        }
    }

    /// What of age's stderr may be shown: its first error line without the
    /// `age: error: ` prefix, with every quoted part replaced by `"…"`
    /// (age quotes what it could not parse: a recipient that was really an
    /// identity, the first line of a file that was not sealed) unless it
    /// is one of `keeping`, then anything key-shaped redacted and the line
    /// cut to 200 characters.
    static func shownError(_ stderr: String, keeping known: [String] = []) -> String {
        let line = stderr.split(separator: "\n").first { $0.contains("error") } ?? ""
        let text = line.replacingOccurrences(of: "age: error: ", with: "")
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "\"") {
            out += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "\"") else {
                out += "\"…"
                rest = rest[rest.endIndex...]
                break
            }
            let quoted = String(rest[afterOpen..<close])
            out += known.contains(quoted) ? "\"\(quoted)\"" : "\"…\""
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        let redacted = SecretRedaction.redact(out)
        return redacted.count > 200 ? String(redacted.prefix(200)) + "…" : redacted
    }

    /// Runs age with `input` on its stdin, given as an anonymous in-memory
    /// file (`memfd_create`), never as a named file: a plaintext key in a
    /// temporary file would survive a SIGKILL of this process. A file, not a
    /// pipe, because age may exit before reading stdin (a bad recipient or
    /// identity), and swift-subprocess 1.0.2 then traps on the input pipe it
    /// could not close (RUNTIME-FACTS).
    private func runAge(
        _ arguments: [String], input: [UInt8], knownPaths: [String] = []
    ) async throws(SecretsError) -> AgeResult {
        guard FileManager.default.isExecutableFile(atPath: agePath) else {
            throw SecretsError(code: .ageMissing, message: "age is not installed at \(agePath) (Debian package 'age')")
        }
        let file: AnonymousFile
        do {
            file = try AnonymousFile(name: "onionops-age-input", contents: input)
        } catch {
            throw SecretsError(code: .ageFailed, message: "cannot hand age its input: \(error)")
        }
        // Kept open (by `file`) until age has run: age has its own copy as fd 0.
        let fd = file.descriptor
        defer { withExtendedLifetime(file) {} }
        do {
            let result = try await run(
                .path(FilePath(agePath)),
                arguments: Arguments(arguments),
                input: .fileDescriptor(FileDescriptor(rawValue: fd), closeAfterSpawningProcess: false),
                output: .bytes(limit: Self.outputLimit),
                error: .string(limit: Self.errorLimit)
            )
            let status: Int32
            switch result.terminationStatus {
            case .exited(let code): status = code
            case .signaled(let signal): status = 128 + signal
            }
            return AgeResult(
                status: status, stdout: result.standardOutput, stderr: result.standardError,
                knownPaths: knownPaths)
        } catch {
            throw SecretsError(code: .ageFailed, message: "cannot run \(agePath): \(error)")
        }
    }
}
