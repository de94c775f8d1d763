import Foundation
import OnionOpsCore
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A topology (the demo's manifests/ unless told otherwise) reconciled by
/// the real `onionops` binary onto two sandbox hosts with real tor
/// (offline), nginx and Onionbalance; with `.ssh`, edge-1 is reached over
/// a real sshd on loopback. The attacker is a daemon user on those hosts,
/// acting through `runuser`.
final class HostAttackSandbox {
    enum Transport: String, CaseIterable, Sendable, CustomStringConvertible {
        case local
        case ssh
        var description: String { rawValue }
    }

    let folder: TemporaryFolder
    let manifests: String
    let roots: [String: String]
    let sshd: SSHTestHost?

    init(_ transport: Transport, manifests source: String = RepositoryPaths.manifests.path, sshAddress: String)
        throws
    {
        folder = try TemporaryFolder(prefix: "oo-sec")
        manifests = folder.path + "/manifests"
        try FileManager.default.copyItem(atPath: source, toPath: manifests)
        let hostsFile = manifests + "/hosts.yaml"
        var hosts = try String(contentsOfFile: hostsFile, encoding: .utf8)
            .replacingOccurrences(of: "/tmp/onionops-demo", with: folder.path)
        var roots = ["edge-1": folder.path + "/edge-1", "edge-2": folder.path + "/edge-2"]
        if transport == .ssh {
            let sshd = try SSHTestHost(address: sshAddress)
            let c = sshd.connection
            hosts = hosts.replacingOccurrences(
                of: "local: {root: \(folder.path)/edge-1}",
                with: "ssh: {address: \(c.address), port: \(c.port), user: \(c.user), "
                    + "identityFile: \(c.identityFile ?? ""), knownHostsFile: \(c.knownHostsFile ?? ""), root: \(c.root)}"
            )
            roots["edge-1"] = c.root
            self.sshd = sshd
        } else {
            sshd = nil
        }
        try hosts.write(toFile: hostsFile, atomically: true, encoding: .utf8)
        for root in roots.values {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            // Daemon users traverse the sandbox root, as they would `/`.
            chmod(root, 0o755)
        }
        self.roots = roots
    }

    /// An Examples/ topology, every host a local sandbox kept offline
    /// (marked as a test host with `DisableNetwork 1`).
    init(example name: String) throws {
        folder = try TemporaryFolder(prefix: "oo-sex")
        manifests = folder.path + "/manifests"
        try FileManager.default.copyItem(
            atPath: RepositoryPaths.root.path + "/Examples/" + name, toPath: manifests)
        let hostsFile = manifests + "/hosts.yaml"
        let hosts = try String(contentsOfFile: hostsFile, encoding: .utf8)
            .replacingOccurrences(of: "/tmp/onionops/\(name)", with: folder.path)
            .replacingOccurrences(
                of: "  supervision: direct",
                with: "  supervision: direct\n  testHost: true\n  testing: {torOptions: [\"DisableNetwork 1\"]}")
        try hosts.write(toFile: hostsFile, atomically: true, encoding: .utf8)
        var roots: [String: String] = [:]
        for line in hosts.split(separator: "\n") where line.hasPrefix("metadata: {name: ") {
            let name = line.dropFirst("metadata: {name: ".count).prefix { $0 != "}" }
            roots[String(name)] = folder.path + "/" + name
        }
        for root in roots.values {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            chmod(root, 0o755)
        }
        self.roots = roots
        sshd = nil
    }

    func stop() {
        SandboxDaemons.kill(roots: Array(roots.values))
        sshd?.stop()
        folder.remove()
    }

    /// `onionops <command> <manifests> <arguments> --identity ...` where the
    /// command takes one.
    func onionops(_ command: [String], identity: Bool = true) throws -> OnionOpsBinary.Result {
        var arguments = command + [manifests]
        if identity { arguments += ["--identity", RepositoryPaths.demoIdentity.path] }
        return try OnionOpsBinary.run(arguments)
    }

    func path(_ host: String, _ hostPath: String) -> String {
        HostLayout(root: roots[host] ?? "/").resolve(hostPath)
    }

    /// Every entry below OnionOps' top folders on `host` whose folder is
    /// owned by a daemon user: what that user can replace with a symlink.
    /// Host paths, with the user who owns the folder.
    func attackablePaths(_ host: String) -> [(path: String, user: String)] {
        guard let root = roots[host] else { return [] }
        var found: [(String, String)] = []
        func walk(_ hostFolder: String) {
            let real = HostLayout(root: root).resolve(hostFolder)
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: real) else { return }
            var info = stat()
            guard lstat(real, &info) == 0 else { return }
            let owner = info.st_uid
            for entry in entries.sorted() {
                let child = hostFolder + "/" + entry
                if owner != 0, let user = Self.userName(owner) { found.append((child, user)) }
                var childInfo = stat()
                if lstat(real + "/" + entry, &childInfo) == 0, childInfo.st_mode & S_IFMT == S_IFDIR { walk(child) }
            }
        }
        for top in HostLayout.topDirectories { walk(top) }
        return found
    }

    /// What `host`'s inventory (its current generation) lists.
    func managedPaths(_ host: String) -> Set<String> {
        let text = (try? String(contentsOfFile: path(host, Generation.inventoryPath), encoding: .utf8)) ?? ""
        return Set(Generation.entries(inManifest: text).map(\.path))
    }

    static func userName(_ uid: uid_t) -> String? {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}

/// A root-only file and folder that an attacker points symlinks at: after
/// every command their owner, mode and content must be as made, and their
/// content must never appear in any output.
struct Canary {
    let folder: TemporaryFolder
    let secret: String
    var file: String { folder.path + "/canary-file" }
    var directory: String { folder.path + "/canary-dir" }

    init() throws {
        folder = try TemporaryFolder(prefix: "oo-canary")
        chmod(folder.path, 0o755)
        secret = "OO-CANARY-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try (secret + "\n").write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o600)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        chmod(directory, 0o700)
        try (secret + "\n").write(toFile: directory + "/inside", atomically: false, encoding: .utf8)
        chmod(directory + "/inside", 0o600)
    }

    /// What changed, in words; empty when nothing did.
    func damage() -> [String] {
        var problems: [String] = []
        for (path, mode, isFolder) in [
            (file, 0o600, false), (directory, 0o700, true), (directory + "/inside", 0o600, false),
        ] {
            var info = stat()
            guard lstat(path, &info) == 0 else {
                problems.append("\(path) is gone")
                continue
            }
            if info.st_uid != 0 || info.st_gid != 0 { problems.append("\(path) owner \(info.st_uid):\(info.st_gid)") }
            if Int(info.st_mode & 0o7777) != mode {
                problems.append("\(path) mode \(String(info.st_mode & 0o7777, radix: 8))")
            }
            if !isFolder, (try? String(contentsOfFile: path, encoding: .utf8)) != secret + "\n" {
                problems.append("\(path) content changed")
            }
        }
        let inside = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        if inside != ["inside"] { problems.append("\(directory) holds \(inside)") }
        return problems
    }

    func leaked(in output: String) -> Bool { output.contains(secret) }

    func remove() { folder.remove() }
}

/// The attacker: a command run as a daemon user.
enum Attacker {
    /// `sh -c script` as `user`; returns whether it succeeded.
    @discardableResult
    static func run(_ user: String, _ script: String) throws -> Command.Result {
        try Command.run("/usr/sbin/runuser", ["-u", user, "--", "/bin/sh", "-c", script])
    }

    /// A single-quoted sh word.
    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
