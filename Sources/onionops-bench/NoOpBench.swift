import Foundation
import OnionOpsCore
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A no-op reconcile of a converged host against its floor: `sha256sum`
/// reading and hashing the same managed files in one process. The host is
/// a local sandbox with real tor (offline) and nginx: 4 hardmap projects
/// of 100 sites each, 2 tor instances per project.
enum NoOpBench {
    static let projects = 4
    static let sitesPerProject = 100
    static let rounds = 9
    static let header = ["no-op", "host", "onionops", "sha256sum (floor)", "ratio"]

    static func rows(binary: String) throws -> [[String]] {
        guard getuid() == 0 else {
            return [["no-op reconcile", "skipped: needs root (daemons run as their users)", "", "", ""]]
        }
        let folder = try TemporaryFolder(prefix: "oo-noop")
        let root = folder.path + "/h1"
        defer {
            SandboxDaemons.kill(roots: [root])
            folder.remove()
        }
        let manifests = folder.path + "/m"
        try FileManager.default.createDirectory(atPath: manifests + "/keys", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: RepositoryPaths.manifests.path + "/keys/recipients.txt", toPath: manifests + "/keys/recipients.txt")
        try """
        apiVersion: onionops/v1
        kind: Host
        metadata: {name: h1}
        spec:
          local: {root: \(root)}
          supervision: direct
          testHost: true
          testing: {torOptions: ["DisableNetwork 1"]}

        """.write(toFile: manifests + "/hosts.yaml", atomically: true, encoding: .utf8)
        progress("no-op: making \(projects * sitesPerProject) sealed keys and certificates")
        var text = ""
        var number = 0
        for project in 0..<projects {
            text += """
                ---
                apiVersion: onionops/v1
                kind: Project
                metadata: {name: p\(project)}
                spec:
                  mode: hardmap
                  placement: {hosts: [h1], torInstances: 2}
                  sites:

                """
            for _ in 0..<sitesPerProject {
                let made = try Command.run(binary, ["keys", "new", manifests])
                guard made.succeeded, let address = made.output.split(separator: "\n").last else {
                    throw SandboxTree.Failure(description: "keys new: \(made.output)")
                }
                text += """
                        - onion: \(address)
                          upstream: s\(number).example.org
                          subdomains: [www]
                          upstreamAddress: 127.0.0.1:8443

                    """
                number += 1
            }
        }
        try text.write(toFile: manifests + "/projects.yaml", atomically: true, encoding: .utf8)
        let tls = try Command.run(binary, ["keys", "tls", manifests])
        guard tls.succeeded else { throw SandboxTree.Failure(description: "keys tls: \(tls.output)") }

        let reconcile = [
            "reconcile", manifests, "--identity", RepositoryPaths.demoIdentity.path,
        ]
        progress("no-op: first apply")
        let first = try Command.run(binary, reconcile)
        guard first.succeeded else { throw SandboxTree.Failure(description: "first apply: \(first.output)") }

        // The floor's file list: every managed file of the host's current
        // generation, by its path on this machine.
        let current = try String(contentsOfFile: root + Generation.currentPath, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let number = Int(current) else { throw SandboxTree.Failure(description: "no current generation") }
        let manifest = try String(contentsOfFile: root + Generation.manifestPath(number), encoding: .utf8)
        let files = Generation.entries(inManifest: manifest).filter { !$0.isDirectory }.map { root + $0.path }
        let bytes = files.reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }

        var shortcut: [Double] = []
        var full: [Double] = []
        var floor: [Double] = []
        progress("no-op: \(rounds) rounds of reconcile, reconcile --full and sha256sum over \(files.count) files")
        for _ in 0..<rounds {
            let quick = try timed(binary, reconcile)
            guard quick.output.contains("in-sync") else {
                throw SandboxTree.Failure(description: "the no-op reconcile changed something: \(quick.output)")
            }
            shortcut.append(quick.seconds)
            full.append(try timed(binary, reconcile + ["--full"]).seconds)
            floor.append(try timed("/usr/bin/sha256sum", files).seconds)
        }
        let quick = median(shortcut)
        let whole = median(full)
        let base = median(floor)
        let inWatch = try watchDriftChecks(binary, manifests: manifests, root: root)
        let detail = "\(files.count) files, \(bytes / 1024) KiB, \(projects * sitesPerProject) sites, 8 tor + 4 nginx"
        return [
            [
                "no-op reconcile (inputs unchanged)", detail, String(format: "%.3f s", quick),
                String(format: "%.3f s", base), String(format: "%.1fx the floor", quick / base),
            ],
            [
                "no-op reconcile --full (decrypt, render, compare)", detail, String(format: "%.3f s", whole),
                String(format: "%.3f s", base), String(format: "%.1fx the floor", whole / base),
            ],
            [
                "drift check inside a running watch (no process start; median of \(inWatch.count))", detail,
                String(format: "%.3f s", median(inWatch)), String(format: "%.3f s", base),
                String(format: "%.1fx the floor", median(inWatch) / base),
            ],
        ]
    }

    /// The times of `rounds` drift checks of a running `onionops watch`
    /// over the same manifests, as its log states them (the check only:
    /// observing the host and comparing, in a process that is already up).
    static func watchDriftChecks(_ binary: String, manifests: String, root: String) throws -> [Double] {
        progress("no-op: \(rounds) drift checks inside onionops watch")
        let log = root + ".watch.log"
        let watch = try BackgroundProcess(
            binary,
            [
                "watch", manifests, "--identity", RepositoryPaths.demoIdentity.path, "--interval", "3600",
                "--drift-interval", "1",
            ],
            log: log)
        defer { watch.stop() }
        var times: [Double] = []
        // The first check runs after the start-up reconcile; bounded.
        watch.wait(upTo: 120) {
            times = Self.driftTimes(in: watch.log)
            return times.count > rounds
        }
        guard times.count > rounds else {
            throw SandboxTree.Failure(
                description: "watch made \(times.count) drift checks in 120 s:\n\(watch.log.suffix(2000))")
        }
        // The first one warms the caches as the CLI's first run would.
        return Array(times.dropFirst().prefix(rounds))
    }

    /// "drift check: no drift on 1 hosts in 0.012 s" -> 0.012
    static func driftTimes(in log: String) -> [Double] {
        log.split(separator: "\n").compactMap { line in
            guard line.contains("drift check: no drift"), let range = line.range(of: " in ", options: .backwards)
            else { return nil }
            return Double(line[range.upperBound...].split(separator: " ").first ?? "")
        }
    }

    static func timed(_ executable: String, _ arguments: [String]) throws -> (seconds: Double, output: String) {
        let start = Date()
        let result = try Command.run(executable, arguments)
        let seconds = Date().timeIntervalSince(start)
        guard result.succeeded else {
            throw SandboxTree.Failure(description: "\(executable) failed: \(result.output.prefix(2000))")
        }
        return (seconds, result.output)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
