import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Ends daemons a test started, by pid only: SIGTERM to all at once, then
/// SIGKILL to whatever is still alive after the grace period. tor 0.4.9
/// sometimes hangs on SIGTERM (about 2 shutdowns in 150), and a test must
/// never leave a process behind or wait for one forever.
public enum ProcessTermination {
    /// Terminates `pids` (and, for nginx masters, their worker children,
    /// which outlive a SIGKILLed master). Returns once every pid is gone or
    /// `grace` + 2 seconds have passed.
    public static func terminate(_ pids: [Int32], grace: Double = 5) {
        let living = pids.filter { $0 > 1 && isAlive($0) }
        guard !living.isEmpty else { return }
        let children = living.flatMap(childrenOf)
        for pid in living { kill(pid, SIGTERM) }
        if waitUntilGone(living, seconds: grace) {
            _ = waitUntilGone(children, seconds: 1)
        }
        for pid in (living + children) where isAlive(pid) { kill(pid, SIGKILL) }
        _ = waitUntilGone(living + children, seconds: 2)
    }

    /// Alive and not a zombie (a zombie of ours is gone for our purposes:
    /// it holds no port and no file).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z"
    }

    /// The pid in a pid file (its first line), if it is a number.
    public static func pid(inFile path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.split(separator: "\n").first?.trimmingCharacters(in: .whitespaces) ?? "")
    }

    /// Direct children of `pid`, from /proc (each process's parent field).
    public static func childrenOf(_ pid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> Int32? in
            guard let child = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the command: state, then the parent pid.
            guard fields.count > 1, Int32(fields[1]) == pid else { return nil }
            return child
        }
    }

    private static func waitUntilGone(_ pids: [Int32], seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !pids.contains(where: isAlive) { return true }
            usleep(20_000)
        }
        return !pids.contains(where: isAlive)
    }
}
