import Foundation
import OnionOpsCore
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A manifest folder of a test's own, reconciled by the real `onionops`
/// binary onto hosts under the test's folder (edge-1 optionally over SSH
/// to a real sshd on loopback), for the attacks on the controller.
///
/// `.demo` is manifests/ as it is (news hardmap, shop softmap with its
/// Onionbalance publisher). `.freshKey` is one hardmap site on edge-1
/// whose onion key and TLS key are made for this test only, so that
/// finding their bytes anywhere on the machine can only mean this test
/// leaked them (other tests use the demo keys).
final class ControllerSandbox: Sendable {
    enum Projects: Sendable {
        case demo
        case freshKey
    }

    let folder: TemporaryFolder
    let manifests: String
    /// Every host root (local folders and the sshd's sandbox root).
    let roots: [String]
    let identity = RepositoryPaths.demoIdentity.path

    init(prefix: String, ssh: SSHTestHost?, projects: Projects) throws {
        folder = try TemporaryFolder(prefix: prefix)
        manifests = folder.path + "/m"
        let manager = FileManager.default
        let edge1 = ssh.map(\.connection.root) ?? folder.path + "/edge-1"
        let edge2 = folder.path + "/edge-2"
        switch projects {
        case .demo:
            try manager.copyItem(atPath: RepositoryPaths.manifests.path, toPath: manifests)
            try Self.hosts([("edge-1", edge1), ("edge-2", edge2)], ssh: ssh)
                .write(toFile: manifests + "/hosts.yaml", atomically: true, encoding: .utf8)
            roots = [edge1, edge2]
        case .freshKey:
            try manager.createDirectory(atPath: manifests + "/keys", withIntermediateDirectories: true)
            try manager.copyItem(
                atPath: RepositoryPaths.manifests.path + "/keys/recipients.txt",
                toPath: manifests + "/keys/recipients.txt")
            try Self.hosts([("edge-1", edge1)], ssh: ssh)
                .write(toFile: manifests + "/hosts.yaml", atomically: true, encoding: .utf8)
            roots = [edge1]
        }
        for root in roots { try manager.createDirectory(atPath: root, withIntermediateDirectories: true) }
        if projects == .freshKey { try makeFreshSite() }
    }

    /// hosts.yaml: direct supervision, tor offline; edge-1 over `ssh` if given.
    private static func hosts(_ hosts: [(String, String)], ssh: SSHTestHost?) -> String {
        hosts.map { name, root in
            var reach = "local: {root: \(root)}"
            if name == "edge-1", let connection = ssh?.connection {
                reach = """
                    ssh: {address: \(connection.address), port: \(connection.port), user: \(connection.user), \
                    identityFile: \(connection.identityFile ?? ""), knownHostsFile: \(connection.knownHostsFile ?? ""), \
                    root: \(connection.root)}
                    """
            }
            return """
                apiVersion: onionops/v1
                kind: Host
                metadata: {name: \(name)}
                spec:
                  \(reach)
                  supervision: direct
                  testHost: true
                  testing: {torOptions: ["DisableNetwork 1"]}

                """
        }.joined(separator: "---\n")
    }

    /// A new onion key and TLS certificate, sealed into keys/, and one
    /// hardmap project serving that onion on edge-1.
    private func makeFreshSite() throws {
        let key = try OnionOpsBinary.run(["keys", "new", manifests])
        guard key.exitCode == 0, let address = key.stdout.split(separator: "\n").first else {
            throw SandboxTree.Failure(description: "onionops keys new: \(key.stderr)")
        }
        try """
        apiVersion: onionops/v1
        kind: Project
        metadata: {name: vault}
        spec:
          mode: hardmap
          placement: {hosts: [edge-1], torInstances: 1}
          sites:
            - onion: \(address)
              upstream: example.org
              upstreamAddress: 127.0.0.1:8443

        """.write(toFile: manifests + "/projects.yaml", atomically: true, encoding: .utf8)
        let tls = try OnionOpsBinary.run(["keys", "tls", manifests])
        guard tls.exitCode == 0 else { throw SandboxTree.Failure(description: "onionops keys tls: \(tls.stderr)") }
    }

    /// `onionops ARGUMENTS` run to completion, with `environment` added to
    /// this process's own.
    func onionops(_ arguments: [String], environment: [String: String] = [:]) throws -> Command.Captured {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try Command.capture("/usr/bin/env", assignments + [OnionOpsBinary.url.path] + arguments)
    }

    var reconcileArguments: [String] { ["reconcile", manifests, "--identity", identity] }

    /// The secret files of `host` (onion keys, TLS keys) as
    /// `render --with-keys` writes them: relative path and content.
    func secretFiles(host: String) throws -> [(path: String, content: [UInt8])] {
        let out = folder.path + "/secrets-\(UUID().uuidString.prefix(8))"
        let rendered = try onionops([
            "render", manifests, "--host", host, "--out", out, "--with-keys", "--identity", identity,
        ])
        guard rendered.exitCode == 0 else {
            throw SandboxTree.Failure(description: "onionops render: \(rendered.stderr)")
        }
        var files: [(path: String, content: [UInt8])] = []
        for line in rendered.stdout.split(separator: "\n") where line.contains("(secret,") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 2, let path = fields.first(where: { $0.hasPrefix("/") }),
                let data = FileManager.default.contents(atPath: String(path))
            else { continue }
            files.append((String(path.dropFirst(out.count)), Array(data)))
        }
        return files
    }

    /// Kills the daemons the reconciles started.
    func stopDaemons() {
        SandboxDaemons.kill(roots: roots)
    }

    func remove() {
        stopDaemons()
        folder.remove()
    }
}

/// Operations as another local user, and small facts about processes.
enum LocalUser {
    /// `runuser -u USER -- EXECUTABLE ARGUMENTS`, output merged.
    @discardableResult
    static func run(_ user: String, _ executable: String, _ arguments: [String]) throws -> Command.Result {
        try Command.run("/usr/sbin/runuser", ["-u", user, "--", executable] + arguments)
    }

    /// The bytes of `path` as `user` can read them, or nil if they cannot.
    static func read(_ user: String, _ path: String) throws -> [UInt8]? {
        let captured = try Command.capture("/usr/sbin/runuser", ["-u", user, "--", "/bin/cat", path])
        return captured.exitCode == 0 ? Array(captured.stdout.utf8) : nil
    }

    /// The owner of `path` (without following a link) and its mode.
    static func owner(_ path: String) -> (uid: uid_t, mode: UInt32)? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return (status.st_uid, UInt32(status.st_mode & 0o7777))
    }

    static func uid(of user: String) -> uid_t? {
        getpwnam(user).map { $0.pointee.pw_uid }
    }

    static func userName(of uid: uid_t) -> String? {
        getpwuid(uid).map { String(cString: $0.pointee.pw_name) }
    }

    /// The owner uid of a live process.
    static func processOwner(_ pid: Int32) -> uid_t? {
        var status = stat()
        return stat("/proc/\(pid)", &status) == 0 ? status.st_uid : nil
    }

    /// Every live pid whose command line mentions `fragment`, and all of
    /// their descendants (nginx workers name no path).
    static func processes(mentioning fragment: String) -> Set<Int32> {
        var found: Set<Int32> = []
        var parents: [Int32: Int32] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid() else { continue }
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            {
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                if fields.count > 1, let parent = Int32(fields[1]) { parents[pid] = parent }
            }
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let line = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            if line.contains(fragment) { found.insert(pid) }
        }
        var grew = true
        while grew {
            grew = false
            for (pid, parent) in parents where found.contains(parent) && !found.contains(pid) {
                found.insert(pid)
                grew = true
            }
        }
        return found
    }
}

/// Key material to look for: slices of each secret's raw bytes and of its
/// base64 (as an SSH batch script or a read carries it).
struct KeyNeedles {
    private var raw: [[UInt8]] = []
    private var encoded: [[UInt8]] = []

    init(_ secrets: [[UInt8]]) {
        for secret in secrets where secret.count >= 48 {
            let middle = secret.count / 2
            raw.append(Array(secret[(middle - 16)..<(middle + 16)]))
            let base64 = Array(Data(secret).base64EncodedString().utf8)
            let start = base64.count / 2 / 4 * 4
            encoded.append(Array(base64[start..<min(base64.count, start + 40)]))
        }
    }

    var isEmpty: Bool { raw.isEmpty }

    /// Whether `content` holds any needle (base64 searched with line
    /// breaks removed, as scripts wrap it).
    func found(in content: [UInt8]) -> Bool {
        if raw.contains(where: { Self.contains(content, $0) }) { return true }
        let flat = content.filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        return encoded.contains { Self.contains(flat, $0) }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return true
            }
            index += 1
        }
        return false
    }

    /// Regular files (not followed through links) under `folders`,
    /// modified since `since`, outside `excluded`, that hold a needle.
    func scan(_ folders: [String], excluding excluded: [String], since: Date) -> [String] {
        var hits: Set<String> = []
        for folder in folders {
            guard let walker = FileManager.default.enumerator(atPath: folder) else { continue }
            while let relative = walker.nextObject() as? String {
                let path = folder + "/" + relative
                if excluded.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
                    walker.skipDescendants()
                    continue
                }
                var status = stat()
                guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size < 8 << 20,
                    Double(status.st_mtim.tv_sec) >= since.timeIntervalSince1970 - 2
                else { continue }
                if let data = FileManager.default.contents(atPath: path), found(in: Array(data)) {
                    hits.insert(path)
                }
            }
        }
        return hits.sorted()
    }
}
