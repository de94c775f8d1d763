import Foundation
import OnionOpsCore
import OnionOpsHosts

/// Runs a helper (ssh-keygen) to completion through the one process runner
/// (`Spawn`), its input and output in anonymous in-memory files. It runs
/// on libgit2's own thread (a certificate callback) or on the blocking
/// pool (`SignatureVerifier`), never on the cooperative pool, so its wait
/// may block. Files a tool must name (a signature) go in a private scratch
/// folder (0700, `PrivateFolder`).
struct ToolRun {
    /// A private scratch folder for signatures.
    let folder: PrivateFolder

    init() throws(GitError) {
        do {
            folder = try PrivateFolder(prefix: "onionops-git")
        } catch {
            throw GitError(code: .io, message: "cannot create a temporary folder: \(error)")
        }
    }

    func remove() {
        folder.remove()
    }

    /// Writes `bytes` into the scratch folder; the file's path.
    func write(_ name: String, _ bytes: [UInt8]) throws(GitError) -> String {
        let path = folder.path + "/" + name
        guard
            FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
        else { throw GitError(code: .io, message: "cannot write \(path)") }
        return path
    }

    /// What one run of a tool gave.
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func run(_ executable: String, _ arguments: [String], input: [UInt8] = []) throws(GitError) -> Output {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw GitError(code: .io, message: "\(executable) is missing (install openssh-client)")
        }
        do {
            let captured = try Spawn.captureBlocking(executable, arguments, input: input, environment: .inherited)
            return Output(
                status: captured.status,
                stdout: String(decoding: captured.stdout, as: UTF8.self),
                stderr: String(decoding: captured.stderr, as: UTF8.self))
        } catch {
            throw GitError(code: .io, message: "cannot run \(executable): \(error)")
        }
    }
}
