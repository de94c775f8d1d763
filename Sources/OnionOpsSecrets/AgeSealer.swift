import Foundation
import Subprocess

// Subprocess takes FilePath from System on Apple platforms and from
// swift-system's SystemPackage elsewhere.
#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Seals bytes to age recipients and opens them with an identity file, by
/// running the `age` binary (one short process per call; the bytes go
/// through pipes, never through a temporary file).
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
        let result = try await runAge(["--decrypt", "--identity", identityFile], input: sealed)
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
        var stderr: String

        /// age's first error line, without its "age: error: " prefix.
        var summary: String {
            let line = stderr.split(separator: "\n").first { $0.contains("error") } ?? ""
            let text = line.replacingOccurrences(of: "age: error: ", with: "")
            return text.isEmpty ? "exit status \(status)" : text
        }
    }

    /// Runs age with `input` in a private file named as its last argument,
    /// not on stdin: age may exit before reading stdin (a bad recipient or
    /// identity), and swift-subprocess 1.0.2 then traps on the input pipe
    /// it could not close. The file lives in a fresh 0700 folder, in memory
    /// (/dev/shm) where available, and is removed straight after.
    private func runAge(_ arguments: [String], input: [UInt8]) async throws(SecretsError) -> AgeResult {
        guard FileManager.default.isExecutableFile(atPath: agePath) else {
            throw SecretsError(code: .ageMissing, message: "age is not installed at \(agePath) (Debian package 'age')")
        }
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let folder = base + "/onionops-age-" + UUID().uuidString
        let inputPath = folder + "/input"
        do {
            try FileManager.default.createDirectory(
                atPath: folder,
                withIntermediateDirectories: false,
                attributes: [.posixPermissions: NSNumber(value: 0o700)]
            )
            guard
                FileManager.default.createFile(
                    atPath: inputPath,
                    contents: Data(input),
                    attributes: [.posixPermissions: NSNumber(value: 0o600)]
                )
            else { throw SecretsError(code: .fileSystem, message: "cannot write age's input in \(folder)") }
        } catch let error as SecretsError {
            throw error
        } catch {
            throw SecretsError(
                code: .fileSystem, message: "cannot make a private folder for age: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let result = try await run(
                .path(FilePath(agePath)),
                arguments: Arguments(arguments + [inputPath]),
                input: .none,
                output: .bytes(limit: Self.outputLimit),
                error: .string(limit: Self.errorLimit)
            )
            let status: Int32
            switch result.terminationStatus {
            case .exited(let code): status = code
            case .signaled(let signal): status = 128 + signal
            }
            return AgeResult(status: status, stdout: result.standardOutput, stderr: result.standardError)
        } catch {
            throw SecretsError(code: .ageFailed, message: "cannot run \(agePath): \(error)")
        }
    }
}
