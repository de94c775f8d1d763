import Foundation
import OnionOpsCore
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Push-to-applied latency: `git push` to a bare repository whose
/// post-receive hook runs `onionops trigger`, `onionops watch --repo`
/// reconciling the demo topology onto two local sandbox hosts with real
/// tor (offline) and nginx, until both hosts record the pushed commit.
enum PushLatencyBench {
    static let pushes = 12

    /// The table row, or a row saying why it could not run.
    static func rows(binary: String) throws -> [[String]] {
        guard getuid() == 0 else {
            return [["push to applied", "skipped: needs root (daemons run as their users)", "", ""]]
        }
        let folder = try TemporaryFolder(prefix: "oo-pl")
        let port = Int.random(in: 20_000..<60_000)
        let work = folder.path + "/repo"
        let bare = folder.path + "/origin.git"
        var watch: BackgroundProcess?
        defer {
            watch?.stop()
            stopDaemons(under: folder.path)
            folder.remove()
        }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: RepositoryPaths.manifests.path, toPath: work + "/manifests")
        let hostsPath = work + "/manifests/hosts.yaml"
        try (try String(contentsOfFile: hostsPath, encoding: .utf8))
            .replacingOccurrences(of: "/tmp/onionops-demo", with: folder.path)
            .write(toFile: hostsPath, atomically: true, encoding: .utf8)
        for host in ["edge-1", "edge-2"] {
            try FileManager.default.createDirectory(atPath: folder.path + "/" + host, withIntermediateDirectories: true)
        }
        try git(["init", "-q", "--bare", "-b", "main", bare], in: folder.path)
        let hook = bare + "/hooks/post-receive"
        try """
        #!/bin/sh
        exec \(binary) trigger --url http://127.0.0.1:\(port) --token-file \(folder.path)/trigger-token >/dev/null 2>&1
        """.write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        try "bench-trigger-token\n".write(toFile: folder.path + "/trigger-token", atomically: true, encoding: .utf8)
        try git(["init", "-q", "-b", "main"], in: work)
        try git(["remote", "add", "origin", bare], in: work)
        let first = try commitAndPush(work)

        watch = try BackgroundProcess(
            binary,
            [
                "watch", "--repo", bare, "--branch", "main", "--path", "manifests", "--state", folder.path + "/state",
                "--identity", RepositoryPaths.demoIdentity.path, "--listen", "127.0.0.1:\(port)",
                "--interval", "3600", "--drift-interval", "3600", "--trigger-token-file",
                folder.path + "/trigger-token",
            ],
            log: folder.path + "/watch.log")
        guard waitApplied(first, folder: folder.path, seconds: 120) else {
            return [["push to applied", "failed: the first revision was not applied", "", ""]]
        }
        var samples: [Double] = []
        let projects = work + "/manifests/projects.yaml"
        let original = try String(contentsOfFile: projects, encoding: .utf8)
        for round in 0..<pushes {
            // Each push changes one nginx config on both hosts (a reload).
            let text = original.replacingOccurrences(
                of: "value: onionops-demo}",
                with: round % 2 == 0 ? "value: onionops-demo-\(round)}" : "value: onionops-demo}")
            try text.write(toFile: projects, atomically: true, encoding: .utf8)
            let start = Date()
            let commit = try commitAndPush(work)
            guard waitApplied(commit, folder: folder.path, seconds: 60) else {
                return [["push to applied", "failed: push \(round + 1) was not applied in 60 s", "", ""]]
            }
            samples.append(Date().timeIntervalSince(start))
            // watch starts reconciles at least --min-interval (1 s) apart;
            // a push right after the last reconcile would time that wait,
            // not the way from a push to its hosts.
            Thread.sleep(forTimeInterval: 1.2)
        }
        samples.sort()
        let p50 = samples[samples.count / 2]
        let p95 = samples[min(samples.count - 1, Int((Double(samples.count) * 0.95).rounded(.up)) - 1)]
        return [
            [
                "push to applied (\(pushes) pushes 1.2 s apart, past watch's 1 s --min-interval; 2 hosts, nginx reload each)",
                String(format: "p50 %.2f s", p50), String(format: "p95 %.2f s", p95),
                String(format: "min %.2f s, max %.2f s", samples.first ?? 0, samples.last ?? 0),
            ]
        ]
    }

    static func waitApplied(_ commit: String, folder: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let done = ["edge-1", "edge-2"].allSatisfy { host in
                (try? String(contentsOfFile: folder + "/" + host + Generation.appliedCommitPath, encoding: .utf8))
                    == commit + "\n"
            }
            if done { return true }
            usleep(10_000)
        }
        return false
    }

    static func commitAndPush(_ work: String) throws -> String {
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "--allow-empty", "-m", "bench"], in: work)
        try git(["push", "-q", "origin", "main"], in: work)
        return try git(["rev-parse", "HEAD"], in: work).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    static func git(_ arguments: [String], in directory: String) throws -> String {
        try GitCLI.run(arguments, in: directory, name: "bench", email: "bench@example.org")
    }

    static func stopDaemons(under root: String) {
        SandboxDaemons.kill(roots: [root + "/edge-1", root + "/edge-2"])
    }
}
