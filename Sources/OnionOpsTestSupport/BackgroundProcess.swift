public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A daemon started for a test (nginx in the foreground, say): waited on
/// with a deadline, and always stopped, with SIGKILL if SIGTERM is not
/// enough.
public final class BackgroundProcess: Sendable {
    private let process: Process
    public let logPath: String

    public init(_ executable: String, _ arguments: [String], log logPath: String) throws {
        self.logPath = logPath
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try log.close()
        self.process = process
    }

    public var isRunning: Bool { process.isRunning }

    public var pid: Int32 { process.processIdentifier }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Polls `condition` every 20 ms until it holds, the process exits, or
    /// `seconds` pass. Bounded on purpose: a test never waits forever.
    @discardableResult
    public func wait(upTo seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            if !process.isRunning { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition()
    }

    /// SIGKILL at once, and reap.
    public func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func stop(grace: Double = 3) {
        guard process.isRunning else { return }
        process.terminate()
        if !wait(upTo: grace, until: { !process.isRunning }) {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        stop(grace: 1)
    }
}
