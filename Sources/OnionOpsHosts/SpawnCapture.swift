import Foundation
import OnionOpsCore
import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

// Subprocess takes FilePath from System on Apple platforms and from
// swift-system's SystemPackage elsewhere.
#if canImport(System)
    import System
#else
    import SystemPackage
#endif

extension Spawn {
    /// What a child printed, and how it ended.
    public struct Captured: Sendable {
        /// The exit status, or 128 + the signal that ended the child.
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
    }

    /// Runs a program to completion with `input` as its standard input and
    /// its output captured, all through anonymous in-memory files
    /// (`AnonymousFile`): nothing it reads or prints has a name on disk,
    /// so a SIGKILL of this process leaves no plaintext behind (an SSH
    /// batch script carries base64 key files; a read of key files comes
    /// back base64 on stdout).
    ///
    /// File semantics rather than pipes on purpose: a child may exit
    /// without reading its input (no SIGPIPE, no trap), and a daemon it
    /// starts may keep the output descriptor without making this wait.
    /// Standard input stays a descriptor, not swift-subprocess's own input
    /// pipe, until swift-subprocess#367 is fixed: 1.0.2 traps ("FileDescriptor
    /// was not closed") when a child exits before reading its input pipe.
    ///
    /// The wait is swift-subprocess's (a pidfd monitor thread): no thread
    /// of the cooperative pool blocks while the child runs. swift-subprocess
    /// also gives the child default signal handlers and an empty mask, and
    /// closes every descriptor above 2 in it (close_range, or closefrom in
    /// posix_spawn), so a daemon started here inherits none of ours.
    ///
    /// `mergeErrors` sends standard error into the standard output file.
    /// The first call in a process also removes `onionops-run-*` folders
    /// that older versions left in the temp folders (`StaleRunFolders`).
    public static func capture(
        _ executable: String,
        _ arguments: [String],
        input: [UInt8] = [],
        environment: ChildEnvironment,
        directory: String? = nil,
        mergeErrors: Bool = false
    ) async throws(Failure) -> Captured {
        // The first run's sweep lists the temp folders: off the pool.
        if !StaleRunFolders.swept { await BlockingPool.shared.run { StaleRunFolders.sweepOnce() } }
        do {
            let files = try CaptureFiles(for: executable, input: input, mergeErrors: mergeErrors)
            defer { files.closeChildEnds() }
            let (childIn, childOut, childErr) = (files.childIn, files.childOut, files.childErr)
            let result = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: environment.subprocessEnvironment,
                workingDirectory: directory.map { FilePath($0) },
                input: .fileDescriptor(FileDescriptor(rawValue: childIn), closeAfterSpawningProcess: false),
                output: .fileDescriptor(FileDescriptor(rawValue: childOut), closeAfterSpawningProcess: false),
                error: .fileDescriptor(FileDescriptor(rawValue: childErr), closeAfterSpawningProcess: false)
            )
            let status: Int32
            switch result.terminationStatus {
            case .exited(let code): status = code
            case .signaled(let signal): status = 128 + signal
            }
            return files.captured(status: status)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot run \(executable): \(error)")
        }
    }

    /// A command run on behalf of a host, arguments passed as they are (no
    /// shell): the local transport's commands (and so every daemon it
    /// starts) and each `ssh` of the SSH transport. The child's environment
    /// is minimal (`ChildEnvironment.forHostCommand`) unless given: a
    /// daemon started here must not carry the controller's tokens for its
    /// life.
    static func hostCommand(
        _ executable: String,
        _ arguments: [String],
        input: [UInt8],
        environment: ChildEnvironment? = nil
    ) async throws(Failure) -> CommandOutput {
        let captured = try await capture(
            executable, arguments, input: input, environment: environment ?? .forHostCommand(executable))
        return CommandOutput(
            exitCode: captured.status,
            stdout: captured.stdout,
            stderr: String(decoding: captured.stderr, as: UTF8.self)
        )
    }
}

extension ChildEnvironment {
    /// The same environment for swift-subprocess: the exact entries, sorted,
    /// or the controller's own.
    var subprocessEnvironment: Subprocess.Environment {
        guard let entries else { return .inherit }
        return .custom(entries.map { Array($0.utf8) + [0] })
    }
}

extension Spawn {
    /// `capture` for a caller that already runs on a thread of its own
    /// (libgit2's thread in a certificate callback, a synchronous test
    /// tool): the same anonymous files and child setup, but the wait
    /// blocks the calling thread. Never call it from async code.
    public static func captureBlocking(
        _ executable: String,
        _ arguments: [String],
        input: [UInt8] = [],
        environment: ChildEnvironment,
        directory: String? = nil,
        mergeErrors: Bool = false
    ) throws(Failure) -> Captured {
        StaleRunFolders.sweepOnce()
        do {
            let files = try CaptureFiles(for: executable, input: input, mergeErrors: mergeErrors)
            defer { files.closeChildEnds() }
            let pid = try start(
                executable, arguments, standardInput: files.childIn, standardOutput: files.childOut,
                standardError: files.childErr, directory: directory, environment: environment)
            return files.captured(status: try wait(pid))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot run \(executable): \(error)")
        }
    }
}

/// The anonymous files of one captured run, and the child's own
/// descriptors to them: separate open file descriptions, read-only input
/// and append-only output, as the named files they replace were opened.
/// Both runners make them the same way.
private struct CaptureFiles {
    let stdin: AnonymousFile
    let stdout: AnonymousFile
    let stderr: AnonymousFile
    let childIn: Int32
    let childOut: Int32
    let childErr: Int32
    let mergeErrors: Bool

    init(for executable: String, input: [UInt8], mergeErrors: Bool) throws {
        let name = (executable as NSString).lastPathComponent
        stdin = try AnonymousFile(name: "onionops-\(name)-in", contents: input)
        stdout = try AnonymousFile(name: "onionops-\(name)-out")
        stderr = try AnonymousFile(name: "onionops-\(name)-err")
        self.mergeErrors = mergeErrors
        childIn = try stdin.reopen(O_RDONLY)
        do {
            childOut = try stdout.reopen(O_WRONLY | O_APPEND)
        } catch {
            close(childIn)
            throw error
        }
        do {
            childErr = mergeErrors ? childOut : try stderr.reopen(O_WRONLY | O_APPEND)
        } catch {
            close(childIn)
            close(childOut)
            throw error
        }
    }

    /// After the child has its copies (or never started).
    func closeChildEnds() {
        close(childIn)
        close(childOut)
        if !mergeErrors { close(childErr) }
    }

    func captured(status: Int32) -> Spawn.Captured {
        Spawn.Captured(status: status, stdout: stdout.contents(), stderr: stderr.contents())
    }
}
