import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Kills every daemon a test or benchmark started under sandbox roots: by
/// the pid files under `<root>/run/onionops`, then anything whose command
/// line names the root.
public enum SandboxDaemons {
    public static func kill(roots: [String]) {
        for root in roots {
            let run = root + "/run/onionops"
            let files = (FileManager.default.enumerator(atPath: run)?.allObjects ?? []).compactMap { $0 as? String }
            for file in files where file.hasSuffix(".pid") {
                guard let text = try? String(contentsOfFile: run + "/" + file, encoding: .utf8),
                    let pid = Int32(text.split(separator: "\n").first ?? "")
                else { continue }
                // An nginx master replaces workers that die, and workers
                // outlive a killed master: stop it, take its workers, then it.
                Glibc.kill(pid, SIGSTOP)
                _ = try? Command.run("/usr/bin/pkill", ["-KILL", "-P", String(pid)])
                Glibc.kill(pid, SIGKILL)
            }
            _ = try? Command.run("/usr/bin/pkill", ["-KILL", "-f", root])
        }
    }
}
