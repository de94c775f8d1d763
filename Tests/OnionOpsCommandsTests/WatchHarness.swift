import Foundation
import OnionOpsCore
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The demo manifests copied into a folder of a test's own, with the hosts'
/// roots under it (edge-1 optionally over SSH), and `onionops watch`
/// running on them as a real process.
final class WatchHarness: Sendable {
    let folder: TemporaryFolder
    let manifests: String
    let port: Int
    let secret = "s3cret-for-tests"

    /// Copies manifests/ (with its sealed keys) into `<folder>/repo/manifests`,
    /// pointing the hosts at `<folder>/<host>`; with `ssh`, edge-1 is that
    /// sshd host instead.
    init(ssh: SSHTestHost? = nil) throws {
        folder = try TemporaryFolder(prefix: "oo-w")
        manifests = folder.path + "/repo/manifests"
        port = Int.random(in: 20_000..<60_000)
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder.path + "/repo", withIntermediateDirectories: true)
        try manager.copyItem(atPath: RepositoryPaths.manifests.path, toPath: manifests)
        var hosts = try String(contentsOfFile: manifests + "/hosts.yaml", encoding: .utf8)
        hosts = hosts.replacingOccurrences(of: "/tmp/onionops-demo", with: folder.path)
        if let ssh {
            let connection = ssh.connection
            hosts = hosts.replacingOccurrences(
                of: "local: {root: \(folder.path)/edge-1}",
                with: """
                    ssh: {address: \(connection.address), port: \(connection.port), user: \(connection.user), \
                    identityFile: \(connection.identityFile ?? ""), knownHostsFile: \(connection.knownHostsFile ?? ""), \
                    root: \(connection.root)}
                    """)
        }
        try hosts.write(toFile: manifests + "/hosts.yaml", atomically: true, encoding: .utf8)
        for host in ["edge-1", "edge-2"] {
            try manager.createDirectory(atPath: folder.path + "/" + host, withIntermediateDirectories: true)
        }
        try secret.write(toFile: folder.path + "/webhook-secret", atomically: true, encoding: .utf8)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `onionops watch` with `arguments` after the common ones.
    func start(_ arguments: [String], log: String = "watch") throws -> BackgroundProcess {
        try BackgroundProcess(
            OnionOpsBinary.url.path,
            [
                "watch", "--identity", RepositoryPaths.demoIdentity.path, "--listen", "127.0.0.1:\(port)",
                "--webhook-secret-file", folder.path + "/webhook-secret",
            ] + arguments,
            log: folder.path + "/\(log).log"
        )
    }

    func get(_ path: String) -> String {
        (try? Command.capture("/usr/bin/curl", ["-s", "--max-time", "5", url + path]).stdout) ?? ""
    }

    /// POST with an optional `X-Hub-Signature-256`; the HTTP status.
    func post(_ path: String, body: String = "{}", signature: String? = nil) -> Int {
        var arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-X", "POST", "-d", body]
        if let signature { arguments += ["-H", "X-Hub-Signature-256: \(signature)"] }
        let output = try? Command.capture("/usr/bin/curl", arguments + [url + path])
        return Int(output?.stdout ?? "") ?? 0
    }

    /// Waits up to `seconds` for `condition`, polling every 200 ms.
    @discardableResult
    func wait(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(200_000)
        }
        return condition()
    }

    func read(_ host: String, _ hostPath: String, root: String? = nil) -> String? {
        try? String(contentsOfFile: (root ?? folder.path + "/" + host) + hostPath, encoding: .utf8)
    }

    /// Kills every daemon the reconciles started under `roots`.
    func stopDaemons(roots: [String]) {
        SandboxDaemons.kill(roots: roots)
    }
}
