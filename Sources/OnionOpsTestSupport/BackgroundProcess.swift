import Foundation
import OnionOpsHosts
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A daemon started for a test (nginx in the foreground, sshd, a writer to
/// SIGKILL): waited on with a deadline, and always stopped, with SIGKILL if
/// SIGTERM is not enough.
///
/// Built on posix_spawn and waitpid of its own pid, not Foundation's
/// Process: with an sshd and several other children alive, Process's
/// SIGCHLD handling blocked in wait4 on a living child and every
/// `waitUntilExit` in the test process hung behind it.
public final class BackgroundProcess: Sendable {
    public let pid: Int32
    public let logPath: String
    /// The exit status once reaped (128 + signal for a signal).
    private let status = Mutex<Int32?>(nil)

    /// `passing`: descriptors the child gets as 3, 4, ... (Spawn.start).
    public init(_ executable: String, _ arguments: [String], log logPath: String, passing: [Int32] = []) throws {
        self.logPath = logPath
        // Emptied in place: FileManager.createFile replaces the path by a
        // rename, which once turned /dev/null into a regular file here.
        let descriptor = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor >= 0 { close(descriptor) }
        pid = try Spawn.start(executable, arguments, stdoutPath: logPath, stderrPath: logPath, passing: passing)
    }

    /// Reaps the child if it has exited, without blocking.
    public var isRunning: Bool {
        status.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                let signal = raw & 0x7F
                status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
                return false
            }
            // Reaped elsewhere (ECHILD): gone all the same.
            return !(reaped < 0 && errno == ECHILD)
        }
    }

    /// The exit status once it has exited (128 + signal for a signal).
    public var exitStatus: Int32? {
        _ = isRunning
        return status.withLock { $0 }
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Polls `condition` every 20 ms until it holds, the process exits, or
    /// `seconds` pass. Bounded on purpose: a test never waits forever.
    @discardableResult
    public func wait(upTo seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            if !isRunning { return false }
            usleep(20_000)
        }
        return condition()
    }

    /// SIGKILL at once, and reap.
    public func kill() {
        guard isRunning else { return }
        Glibc.kill(pid, SIGKILL)
        _ = wait(upTo: 5) { !isRunning }
    }

    public func stop(grace: Double = 3) {
        guard isRunning else { return }
        Glibc.kill(pid, SIGTERM)
        if !wait(upTo: grace, until: { !isRunning }) {
            Glibc.kill(pid, SIGKILL)
            _ = wait(upTo: 5) { !isRunning }
        }
    }

    deinit {
        stop(grace: 1)
    }
}
