import Foundation

#if canImport(Glibc)
    import Glibc
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
    ///
    /// The first call in a process also removes `onionops-run-*` folders
    /// that older versions left in the temp folders (`StaleRunFolders`).
    public static func capture(
        _ executable: String,
        _ arguments: [String],
        input: [UInt8] = [],
        environment: ChildEnvironment
    ) throws -> Captured {
        StaleRunFolders.sweepOnce()
        let name = (executable as NSString).lastPathComponent
        let stdin = try AnonymousFile(name: "onionops-\(name)-in", contents: input)
        let stdout = try AnonymousFile(name: "onionops-\(name)-out")
        let stderr = try AnonymousFile(name: "onionops-\(name)-err")
        // Separate open file descriptions for the child: read-only input,
        // append-only output, as the files they replace were opened.
        let childIn = try stdin.reopen(O_RDONLY)
        defer { close(childIn) }
        let childOut = try stdout.reopen(O_WRONLY | O_APPEND)
        defer { close(childOut) }
        let childErr = try stderr.reopen(O_WRONLY | O_APPEND)
        defer { close(childErr) }
        let pid = try start(
            executable,
            arguments,
            standardInput: childIn,
            standardOutput: childOut,
            standardError: childErr,
            environment: environment
        )
        let status = try wait(pid)
        return Captured(status: status, stdout: stdout.contents(), stderr: stderr.contents())
    }
}
