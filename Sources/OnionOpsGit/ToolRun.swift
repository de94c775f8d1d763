import Foundation
import OnionOpsHosts

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a helper (ssh-keygen) to completion with posix_spawn, standard
/// input from a file and output to a file: no pipes, so nothing to drain
/// and no SIGPIPE when the child stops reading early.
struct ToolRun {
    /// A private scratch folder (0700) for signatures, payloads and output.
    let folder: String

    init() throws(GitError) {
        var template = Array((NSTemporaryDirectory() + "/onionops-git-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let made else {
            throw GitError(code: .io, message: "cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        folder = made
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Writes `bytes` into the scratch folder; the file's path.
    func write(_ name: String, _ bytes: [UInt8]) throws(GitError) -> String {
        let path = folder + "/" + name
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

    func run(_ executable: String, _ arguments: [String], stdinPath: String = "/dev/null") throws(GitError) -> Output {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw GitError(code: .io, message: "\(executable) is missing (install openssh-client)")
        }
        let name = folder + "/run-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            try? FileManager.default.removeItem(atPath: name + ".out")
            try? FileManager.default.removeItem(atPath: name + ".err")
        }
        let status: Int32
        do {
            status = try Spawn.run(
                executable, arguments, stdinPath: stdinPath, stdoutPath: name + ".out", stderrPath: name + ".err")
        } catch {
            throw GitError(code: .io, message: "cannot run \(executable): \(error)")
        }
        return Output(
            status: status,
            stdout: (try? String(contentsOfFile: name + ".out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: name + ".err", encoding: .utf8)) ?? "")
    }
}
