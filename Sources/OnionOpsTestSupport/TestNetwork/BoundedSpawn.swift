import Foundation
import OnionOpsHosts

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a short command (tor-gencert, `tor --list-fingerprint`, tor's
/// daemonizing parent) with posix_spawn and waits for it with a deadline:
/// a command that hangs is killed and reported, never waited on forever.
enum BoundedSpawn {
    /// Exit status, or 128 + signal; throws if it did not end within
    /// `seconds` (it is SIGKILLed and reaped first).
    static func run(
        _ executable: String, _ arguments: [String], stdinPath: String = "/dev/null", log: String, seconds: Double
    ) throws -> Int32 {
        let pid = try Spawn.start(executable, arguments, stdinPath: stdinPath, stdoutPath: log, stderrPath: log)
        return try wait(pid, name: executable, seconds: seconds)
    }

    /// Waits for a child started with `Spawn.start`.
    static func wait(_ pid: pid_t, name: String, seconds: Double) throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while Date() < deadline {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                let signal = status & 0x7F
                return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            }
            if reaped < 0 && errno != EINTR {
                throw TestNetwork.Failure(description: "waitpid \(name) (\(pid)): errno \(errno)")
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        throw TestNetwork.Failure(description: "\(name) did not finish within \(Int(seconds)) s: killed")
    }
}
