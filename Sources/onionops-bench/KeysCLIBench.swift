import Foundation
import OnionOpsCore
import OnionOpsKeys
import OnionOpsSecrets
import OnionOpsTestSupport

/// The release `onionops keys tls`, `keys check` and `render` on a
/// synthetic 1,000-site manifest folder, as whole processes (median of a
/// few runs), beside EOTK's figures measured on this machine.
enum KeysCLIBench {
    static let sites = 1000
    static let rounds = 3
    /// EOTK on this machine (issue 14): its first `config` of 1,000 sites,
    /// certificates included, and templates only.
    static let eotkFirstConfig = 109.0
    static let eotkTemplates = 11.0...15.0

    static let header = [
        "whole `onionops` process, 1,000 sites", "median of \(rounds)", "its CPU (user+sys)", "EOTK, this machine",
        "ratio",
    ]

    static func rows(binary: String) async throws -> [[String]] {
        let folder = try TemporaryFolder(prefix: "oo-kcb")
        defer { folder.remove() }
        let manifests = folder.path + "/m"
        let keysFolder = manifests + "/keys"
        try FileManager.default.createDirectory(atPath: keysFolder, withIntermediateDirectories: true)

        let identity = folder.path + "/id.txt"
        let keygen = try Command.run("/usr/bin/age-keygen", ["-o", identity])
        guard keygen.succeeded, let recipient = keygen.output.split(separator: " ").last else {
            throw SandboxTree.Failure(description: "age-keygen: \(keygen.output)")
        }
        try "\(recipient.trimmingCharacters(in: .whitespacesAndNewlines))\n".write(
            toFile: keysFolder + "/recipients.txt", atomically: true, encoding: .utf8)

        // Real keys, sealed, so `keys check` opens every one.
        let keys = (0..<sites).map { _ in OnionKey.generate() }
        var store = SealedKeyStore(folder: keysFolder)
        store.syncEachFile = false
        for key in keys { try await store.seal(key) }
        try store.sync()
        let topology = SyntheticTopology(
            hosts: 10, projects: 10, sitesPerProject: sites / 10, hostsPerProject: 10, torInstances: 2,
            addresses: keys.map(\.address.description))
        try topology.manifestText().write(toFile: manifests + "/bench.yaml", atomically: true, encoding: .utf8)

        // `keys tls` makes certificates only where none are sealed: each
        // run gets a fresh folder (the manifests and recipients.txt; it
        // needs no onion keys), so no run reuses deleted files' inodes.
        var tls: [Run] = []
        for round in 0..<rounds {
            let fresh = folder.path + "/tls-\(round)"
            try FileManager.default.createDirectory(atPath: fresh + "/keys", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: manifests + "/bench.yaml", toPath: fresh + "/bench.yaml")
            try FileManager.default.copyItem(
                atPath: keysFolder + "/recipients.txt", toPath: fresh + "/keys/recipients.txt")
            tls.append(try timed(binary, ["keys", "tls", fresh]))
        }
        // `keys check` needs the certificates too.
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path + "/tls-0/keys")
        where name.hasSuffix(".tls.age") {
            try FileManager.default.copyItem(
                atPath: folder.path + "/tls-0/keys/" + name, toPath: keysFolder + "/" + name)
        }
        var check: [Run] = []
        for _ in 0..<rounds {
            check.append(try timed(binary, ["keys", "check", manifests, "--identity", identity]))
        }
        var render: [Run] = []
        for round in 0..<rounds {
            let out = folder.path + "/render-\(round)"
            render.append(
                try timed(binary, ["render", manifests, "--host", "h0", "--out", out, "--identity", identity]))
        }

        let tlsMedian = median(tls.map(\.wall))
        let renderMedian = median(render.map(\.wall))
        return [
            [
                "`keys tls`: 1,000 certificates made and sealed", format(tlsMedian), format(median(tls.map(\.cpu))),
                String(format: "first `config` with certificates: %.0f s", eotkFirstConfig),
                String(format: "%.0fx faster", eotkFirstConfig / tlsMedian),
            ],
            [
                "`keys check`: 1,000 keys + 1,000 certificates opened", format(median(check.map(\.wall))),
                format(median(check.map(\.cpu))), "-", "-",
            ],
            [
                "`render` of one host with all 1,000 sites", format(renderMedian), format(median(render.map(\.cpu))),
                String(format: "templates only: %.0f-%.0f s", eotkTemplates.lowerBound, eotkTemplates.upperBound),
                String(format: "%.0fx faster", eotkTemplates.lowerBound / renderMedian),
            ],
        ]
    }

    /// Wall time of one whole run, which must succeed, and the CPU time
    /// it used (less sensitive to a busy machine than wall time).
    static func timed(_ binary: String, _ arguments: [String]) throws -> Run {
        let before = childrenCPU()
        let captured = try Command.capture(binary, arguments)
        guard captured.exitCode == 0 else {
            throw SandboxTree.Failure(
                description: "onionops \(arguments.prefix(2).joined(separator: " ")): \(captured.stderr.suffix(2000))")
        }
        return Run(wall: captured.seconds, cpu: childrenCPU() - before)
    }

    struct Run {
        var wall: Double
        var cpu: Double
    }

    static func childrenCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func format(_ seconds: Double) -> String { String(format: "%.3f s", seconds) }
}
