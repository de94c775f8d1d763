/// The result of a command run on a host.
public struct CommandOutput: Sendable, Hashable {
    public var exitCode: Int32
    public var stdout: [UInt8]
    public var stderr: String

    public init(exitCode: Int32, stdout: [UInt8], stderr: String) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
    }

    public var succeeded: Bool { exitCode == 0 }
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}
