import Crypto
import Foundation
import OnionOpsCore
import OnionOpsKeys
import OnionOpsSecrets
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Fan-out: the release `onionops` binary against `ansible-playbook`
/// (ansible-core) putting the same files onto the same 20 sandbox SSH
/// hosts (real sshd on 127.0.0.2 ... 127.0.0.21), both with 20 at once.
///
/// The hosts carry a hardmap-2 style topology: projects of a few sites,
/// each on two hosts. Ansible gets what `onionops render --with-keys`
/// writes for each host, as Jinja2 templates (text files, with the host's
/// root as a template variable) and copies (binary key files), plus every
/// folder with its owner and mode. Both tools work on the same hosts one
/// after the other: onionops first, then every daemon is stopped and every
/// host root wiped, then Ansible. After Ansible's apply, every file and
/// folder is compared with what onionops wrote (sha256, mode, owner,
/// group), so both did the same work.
///
/// Every timed run starts without shared SSH connections (both tools'
/// ControlMaster sockets are closed before it), as a CI job or a cron
/// run would.
enum FanOutBench {
    /// The hosts of the standard row; `--fan-out-100` runs 100.
    static let standardHostCount = 20

    /// Sites per project (so per host); ONIONOPS_BENCH_FANOUT_SITES
    /// overrides. Ansible's time grows with the number of files (every
    /// file is several SSH round trips and two Python module runs), so the
    /// default keeps its runs to a minute or two on 2 cores.
    static var sitesPerProject: Int {
        ProcessInfo.processInfo.environment["ONIONOPS_BENCH_FANOUT_SITES"].flatMap { Int($0) }.map { max(1, $0) } ?? 2
    }

    /// Folders every server has (root 0755): each empty host starts with
    /// them, as a fresh server would, for both tools.
    static let serverFolders: Set<String> = ["etc", "run", "var", "var/lib", "var/log"]

    /// ONIONOPS_BENCH_FANOUT_CHANGE=1 adds check/diff after one change:
    /// onionops's dry run shows a diff then, but Ansible's run costs as
    /// much as its converged check, which would take the part past five
    /// minutes on 2 cores.
    static var withChange: Bool { ProcessInfo.processInfo.environment["ONIONOPS_BENCH_FANOUT_CHANGE"] == "1" }

    static func header(hosts: Int) -> [String] {
        ["fan-out, \(hosts) SSH hosts, \(min(hosts, 20)) at once", "onionops", "Ansible, same run", "ratio"]
    }

    /// How long Ansible may run in the 100-host row before it is stopped
    /// and what it reached is reported instead.
    static let ansibleDeadlineSeconds = 600

    /// `ONIONOPS_BENCH_ANSIBLE` (made absolute: Ansible runs in a folder
    /// of its own), else the venv `make bench` installs.
    static var ansiblePlaybook: String? {
        if let named = ProcessInfo.processInfo.environment["ONIONOPS_BENCH_ANSIBLE"], !named.isEmpty {
            let path = URL(fileURLWithPath: named).standardizedFileURL.path
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let venv = RepositoryPaths.root.appendingPathComponent(".build/bench-venv/bin/ansible-playbook").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    /// The table rows, or one row saying why the part was skipped.
    static func rows(binary: String, hosts: Int = standardHostCount) async throws -> [[String]] {
        guard getuid() == 0 else {
            return [["fan-out", "skipped: needs root (daemons run as their users)", "", ""]]
        }
        guard let ansible = ansiblePlaybook else {
            let named = ProcessInfo.processInfo.environment["ONIONOPS_BENCH_ANSIBLE"] ?? ""
            return [
                [
                    "fan-out",
                    named.isEmpty
                        ? "skipped: ansible-playbook not found (set ONIONOPS_BENCH_ANSIBLE; make bench installs ansible-core)"
                        : "skipped: no ansible-playbook at \(named) (make bench installs ansible-core from PyPI there)",
                    "", "",
                ]
            ]
        }
        return try await Run(binary: binary, ansible: ansible, hostCount: hosts).rows()
    }

    static func progress(_ line: String) {
        FileHandle.standardError.write(Data("fan-out: \(line)\n".utf8))
    }
}

extension FanOutBench {
    /// One file or folder as a host should have it.
    struct Entry: Hashable {
        var isDirectory: Bool
        var mode: UInt16
        var owner: String
        var group: String
        /// SHA-256 of the content (files only).
        var digest: String
    }

    /// What `onionops render` wrote for one host: paths relative to its root.
    struct Rendered {
        var entries: [String: Entry] = [:]
        /// File contents, for the Ansible inputs.
        var contents: [String: Data] = [:]

        var fileCount: Int { entries.values.filter { !$0.isDirectory }.count }
        var folderCount: Int { entries.values.filter(\.isDirectory).count }
    }

    /// Walks a folder: every file and folder under it with mode, owner,
    /// group and (files) SHA-256; `keepContents` also keeps the bytes.
    static func snapshot(_ top: String, keepContents: Bool) throws -> Rendered {
        var result = Rendered()
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: top) else {
            throw SandboxTree.Failure(description: "cannot read \(top)")
        }
        while let relative = walker.nextObject() as? String {
            let path = top + "/" + relative
            let attributes = try manager.attributesOfItem(atPath: path)
            let isDirectory = (attributes[.type] as? FileAttributeType) == .typeDirectory
            var digest = ""
            if !isDirectory {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                digest = Hex.encode(SHA256.hash(data: data))
                if keepContents { result.contents[relative] = data }
            }
            result.entries[relative] = Entry(
                isDirectory: isDirectory,
                mode: UInt16(truncatingIfNeeded: (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0),
                owner: attributes[.ownerAccountName] as? String ?? "?",
                group: attributes[.groupOwnerAccountName] as? String ?? "?",
                digest: digest
            )
        }
        return result
    }

    /// The first differences between what a host should have and what it
    /// has (only the rendered paths: each tool keeps its own state too).
    static func differences(expected: Rendered, root: String) -> [String] {
        var found: [String] = []
        for (relative, want) in expected.entries.sorted(by: { $0.key < $1.key }) {
            let path = root + "/" + relative
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
                found.append("\(path): missing")
                continue
            }
            let isDirectory = (attributes[.type] as? FileAttributeType) == .typeDirectory
            let mode = UInt16(truncatingIfNeeded: (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0)
            let owner = attributes[.ownerAccountName] as? String ?? "?"
            let group = attributes[.groupOwnerAccountName] as? String ?? "?"
            var digest = ""
            if !isDirectory, let data = try? Data(contentsOf: URL(fileURLWithPath: path)) {
                digest = Hex.encode(SHA256.hash(data: data))
            }
            let have = Entry(isDirectory: isDirectory, mode: mode, owner: owner, group: group, digest: digest)
            if have != want {
                found.append(
                    "\(path): \(String(have.mode, radix: 8)) \(have.owner):\(have.group) \(have.digest.prefix(12)), "
                        + "expected \(String(want.mode, radix: 8)) \(want.owner):\(want.group) \(want.digest.prefix(12))"
                )
            }
        }
        return found
    }
}

extension FanOutBench {
    /// One run of the whole part; `rows()` cleans up after itself.
    final class Run {
        let binary: String
        let ansible: String
        let hostCount: Int
        /// Projects of `sitesPerProject` sites, each on two hosts: every
        /// host gets one project (one tor daemon and one nginx).
        var projects: Int { hostCount / 2 }
        /// onionops's --parallel and Ansible's forks.
        var parallel: Int { min(hostCount, FanOutBench.standardHostCount) }
        let clock = ContinuousClock()

        init(binary: String, ansible: String, hostCount: Int) {
            self.binary = binary
            self.ansible = ansible
            self.hostCount = hostCount
        }

        func rows() async throws -> [[String]] {
            let started = clock.now
            let folder = try TemporaryFolder(prefix: "oo-fo")
            var hosts: [SSHTestHost] = []
            let ansibleFolder = folder.path + "/ansible"
            defer {
                // Daemons first (they live under the roots), then the shared
                // connections, then sshd and every file.
                SandboxDaemons.kill(roots: hosts.map(\.connection.root))
                closeConnections(hosts, ansibleFolder: ansibleFolder)
                for host in hosts { host.stop() }
                folder.remove()
            }

            progress("starting \(hostCount) sshd on 127.0.0.2 ... 127.0.0.\(hostCount + 1)")
            for index in 0..<hostCount {
                // DEBUG1: one "request exec" line per command, to count
                // SSH runs per host.
                hosts.append(try SSHTestHost(address: "127.0.0.\(index + 2)", plainShell: true, logLevel: "DEBUG1"))
            }
            for host in hosts { try wipe(host.connection.root) }
            let names = (1...hostCount).map { String(format: hostCount > 99 ? "fan%03d" : "fan%02d", $0) }
            let manifests = folder.path + "/manifests"
            try await writeManifests(manifests, hosts: hosts, names: names)
            let sites = projects * FanOutBench.sitesPerProject

            progress("rendering every host for Ansible (onionops render --with-keys)")
            let rendered = try renderAll(manifests, names: names, into: folder.path + "/render")
            try FileManager.default.createDirectory(atPath: ansibleFolder, withIntermediateDirectories: true)
            try writeAnsibleCommon(ansibleFolder)
            try writeInventory(
                ansibleFolder + "/inventory.json", hosts: hosts, names: names, rendered: rendered, in: ansibleFolder)
            let files = rendered.values.map(\.fileCount).reduce(0, +)
            let folders = rendered.values.map(\.folderCount).reduce(0, +)
            progress("\(sites) sites; \(files) files in \(folders) folders over \(hostCount) hosts")

            // onionops: apply onto empty hosts, then a no-op and a dry run.
            let identity = RepositoryPaths.demoIdentity.path
            let reconcile = ["reconcile", manifests, "--parallel", String(parallel), "--identity", identity]
            closeConnections(hosts, ansibleFolder: ansibleFolder)
            var execs = SSHExecCount(hosts)
            let events = folder.path + "/apply-events.jsonl"
            let rss = folder.path + "/apply-rss"
            let apply = try timed("onionops reconcile (apply)", expect: [0]) {
                try Command.capture(
                    "/usr/bin/time", ["-f", "%M", "-o", rss, binary] + reconcile + ["--event-log", events])
            }
            let applyRuns = execs.perHost()
            let inFlight = InFlight(eventLog: events)
            let peakRSS = (try? String(contentsOfFile: rss, encoding: .utf8)).flatMap {
                Int($0.split(separator: "\n").last.map(String.init) ?? "")
            }
            var mismatches = zip(names, hosts).flatMap { name, host in
                differences(expected: rendered[name] ?? Rendered(), root: host.connection.root)
            }
            guard mismatches.isEmpty else {
                throw SandboxTree.Failure(
                    description:
                        "onionops's hosts differ from its render: \(mismatches.prefix(5).joined(separator: "; "))")
            }
            closeConnections(hosts, ansibleFolder: ansibleFolder)
            execs = SSHExecCount(hosts)
            let noOp = try timed("onionops reconcile (no-op, converged)", expect: [0]) {
                try Command.capture(binary, reconcile)
            }
            let noOpRuns = execs.perHost()
            closeConnections(hosts, ansibleFolder: ansibleFolder)
            execs = SSHExecCount(hosts)
            let check = try timed("onionops reconcile --dry-run (converged)", expect: [0]) {
                try Command.capture(binary, reconcile + ["--dry-run"])
            }
            let checkRuns = execs.perHost()
            // One change: the first project blocks a path, which changes
            // its nginx.conf on its two hosts.
            var changed: Timed?
            if FanOutBench.withChange {
                try changeFirstProject(manifests)
                closeConnections(hosts, ansibleFolder: ansibleFolder)
                changed = try timed("onionops reconcile --dry-run (one change)", expect: [2]) {
                    try Command.capture(binary, reconcile + ["--dry-run"])
                }
            }

            if let keep = ProcessInfo.processInfo.environment["ONIONOPS_BENCH_KEEP_EVENTS"], !keep.isEmpty {
                // For looking into an apply: the event log, kept.
                try? FileManager.default.removeItem(atPath: keep)
                try FileManager.default.copyItem(atPath: events, toPath: keep)
            }
            if ProcessInfo.processInfo.environment["ONIONOPS_BENCH_SKIP_ANSIBLE"] == "1" {
                progress(
                    String(
                        format: "apply %.2f s, no-op %.2f s, dry run %.2f s; in flight %@; ssh runs %.1f/%.1f/%.1f",
                        apply.seconds, noOp.seconds, check.seconds,
                        inFlight.map { "peak \($0.peak), mean \(String(format: "%.1f", $0.mean))" } ?? "?",
                        applyRuns, noOpRuns, checkRuns))
                return []
            }
            progress("stopping onionops's daemons and wiping the \(hostCount) host roots")
            SandboxDaemons.kill(roots: hosts.map(\.connection.root))
            closeConnections(hosts, ansibleFolder: ansibleFolder)
            for host in hosts { try wipe(host.connection.root) }

            // Ansible: the same files onto the same (now empty) hosts.
            // "ansible-playbook [core 2.19.14]" -> "ansible-core 2.19.14"
            let version =
                try Command.capture(ansible, ["--version"]).stdout
                .split(separator: "\n").first.map {
                    $0.replacingOccurrences(of: "ansible-playbook [core ", with: "ansible-core ")
                        .replacingOccurrences(of: "]", with: "")
                } ?? "ansible-core"
            // The standard row always finishes; a larger one is stopped at
            // the deadline and says how far it got.
            let deadline = hostCount > FanOutBench.standardHostCount ? FanOutBench.ansibleDeadlineSeconds : nil
            let ansibleApply = try timed("ansible-playbook (apply)", expect: deadline == nil ? [0] : [0, 124]) {
                try runAnsible(ansibleFolder, inventory: "inventory.json", check: false, deadline: deadline)
            }
            mismatches = zip(names, hosts).flatMap { name, host in
                differences(expected: rendered[name] ?? Rendered(), root: host.connection.root)
            }
            let perHost =
                "\(FanOutBench.sitesPerProject) sites, \(files / hostCount) files, \(folders / hostCount) folders per host"
            let applyLabel =
                "apply, empty hosts (\(perHost); onionops also gates and starts \(hostCount) tor + \(hostCount) nginx)"
            let flightRow = [
                "hosts in flight during the apply (the reconciler's own events, --parallel \(parallel))",
                inFlight.map { String(format: "peak %d, mean %.1f", $0.peak, $0.mean) } ?? "no event log",
                "", "",
            ]
            let runsRow = [
                "ssh runs per host (sshd's exec requests): apply; no-op; dry run",
                String(format: "%.1f; %.1f; %.1f", applyRuns, noOpRuns, checkRuns), "", "",
            ]
            let noOpRow = ["no-op reconcile, converged hosts (exit 0)", seconds(noOp.seconds), "", ""]
            let rssRow = ["peak RSS of onionops during the apply", peakRSS.map { "\($0 / 1024) MiB" } ?? "?", "", ""]
            if ansibleApply.exitCode == 124 {
                // Stopped at the deadline: how many of the files and
                // folders it had put in place by then.
                let total = files + folders
                let reached = total - mismatches.count
                progress("Ansible stopped after \(deadline ?? 0) s with \(reached) of \(total) in place")
                return [
                    [
                        applyLabel, seconds(apply.seconds),
                        "stopped after \(deadline ?? 0) s: \(reached) of \(total) files and folders in place (\(version))",
                        String(format: "more than %.0fx faster", Double(deadline ?? 0) / max(apply.seconds, 1e-9)),
                    ],
                    ["check/diff, converged hosts (dry run: exit 0)", seconds(check.seconds), "not run", ""],
                    noOpRow, flightRow, runsRow, rssRow,
                ]
            }
            try expectRecap(ansibleApply.output, changedHosts: hostCount, what: "apply")
            guard mismatches.isEmpty else {
                throw SandboxTree.Failure(
                    description:
                        "Ansible's hosts differ from onionops's: \(mismatches.prefix(5).joined(separator: "; "))")
            }
            progress("Ansible's \(files) files and \(folders) folders equal onionops's (sha256, mode, owner, group)")
            closeConnections(hosts, ansibleFolder: ansibleFolder)
            let ansibleCheck = try timed("ansible-playbook --check --diff (converged)", expect: [0]) {
                try runAnsible(ansibleFolder, inventory: "inventory.json", check: true, deadline: nil)
            }
            try expectRecap(ansibleCheck.output, changedHosts: 0, what: "check on converged hosts")

            // The same change, rendered again for every host as an Ansible
            // user would, against hosts that still have the old files.
            var changeRows: [[String]] = []
            if let changed {
                let renderedChanged = try renderAll(manifests, names: names, into: folder.path + "/render-changed")
                try writeInventory(
                    ansibleFolder + "/inventory-changed.json", hosts: hosts, names: names, rendered: renderedChanged,
                    in: ansibleFolder)
                closeConnections(hosts, ansibleFolder: ansibleFolder)
                let ansibleChanged = try timed("ansible-playbook --check --diff (one change)", expect: [0]) {
                    try runAnsible(ansibleFolder, inventory: "inventory-changed.json", check: true, deadline: nil)
                }
                try expectRecap(ansibleChanged.output, changedHosts: 2, what: "check after one change")
                changeRows.append([
                    "check/diff after one change (nginx.conf on 2 hosts)",
                    seconds(changed.seconds), seconds(ansibleChanged.seconds),
                    ratio(ansibleChanged.seconds, changed.seconds),
                ])
            }
            progress(String(format: "done in %.0f s", BenchMain.seconds(clock.now - started)))

            return [
                [
                    applyLabel, seconds(apply.seconds), seconds(ansibleApply.seconds),
                    ratio(ansibleApply.seconds, apply.seconds),
                ],
                [
                    "check/diff, converged hosts (dry run: exit 0; --check --diff: changed=0)",
                    seconds(check.seconds), seconds(ansibleCheck.seconds), ratio(ansibleCheck.seconds, check.seconds),
                ],
            ] + changeRows + [
                noOpRow, flightRow, runsRow, rssRow,
                [
                    "same result: \(files) files, \(folders) folders compared (sha256, mode, owner, group)",
                    "written", "identical (\(version))", "",
                ],
            ]
        }

        struct Timed {
            var seconds: Double
            var output: String
            var exitCode: Int32
        }

        /// Runs `body` once, timed; its exit code must be one of `expect`.
        func timed(_ what: String, expect: Set<Int32>, _ body: () throws -> Command.Captured) throws -> Timed {
            progress("\(what) ...")
            let start = clock.now
            let result = try body()
            let elapsed = BenchMain.seconds(clock.now - start)
            guard expect.contains(result.exitCode) else {
                let tail = (result.stdout + result.stderr).split(separator: "\n").suffix(15).joined(separator: "\n")
                throw SandboxTree.Failure(description: "\(what) exited \(result.exitCode):\n\(tail)")
            }
            progress("\(what): " + String(format: "%.2f s", elapsed))
            return Timed(seconds: elapsed, output: result.stdout, exitCode: result.exitCode)
        }

        func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }

        func ratio(_ ansible: Double, _ onionops: Double) -> String {
            ansible >= onionops
                ? String(format: "%.1fx faster", ansible / max(onionops, 1e-9))
                : String(format: "%.1fx slower", onionops / max(ansible, 1e-9))
        }
    }
}

extension FanOutBench.Run {
    /// hosts.yaml (the 20 SSH hosts, tor offline), projects.yaml and
    /// sealed keys: onion keys sealed in-process, TLS certificates by
    /// `onionops keys tls`.
    func writeManifests(_ manifests: String, hosts: [SSHTestHost], names: [String]) async throws {
        let keys = manifests + "/keys"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: RepositoryPaths.manifests.path + "/keys/recipients.txt", toPath: keys + "/recipients.txt")
        var text = ""
        for (name, host) in zip(names, hosts) {
            let ssh = host.connection
            text += """
                apiVersion: onionops/v1
                kind: Host
                metadata: {name: \(name)}
                spec:
                  ssh: {address: \(ssh.address), port: \(ssh.port), user: \(ssh.user), identityFile: \(ssh.identityFile ?? ""), knownHostsFile: \(ssh.knownHostsFile ?? ""), root: \(ssh.root)}
                  supervision: direct
                  testHost: true
                  testing: {torOptions: ["DisableNetwork 1"]}
                ---

                """
        }
        try text.write(toFile: manifests + "/hosts.yaml", atomically: true, encoding: .utf8)

        let store = SealedKeyStore(folder: keys)
        text = ""
        var site = 0
        for project in 0..<projects {
            text += """
                apiVersion: onionops/v1
                kind: Project
                metadata: {name: p\(project)}
                spec:
                  mode: hardmap
                  placement: {hosts: [\(names[2 * project]), \(names[2 * project + 1])], torInstances: 1}
                  sites:

                """
            for _ in 0..<FanOutBench.sitesPerProject {
                let key = OnionKey.generate()
                _ = try await store.seal(key)
                // The upstream address is local: nginx -t resolves upstream
                // names, and nothing may leave this machine.
                text += """
                        - {onion: \(key.address), upstream: site\(site).example.org, subdomains: [www], upstreamAddress: 127.0.0.1:8443}

                    """
                site += 1
            }
            text += "---\n"
        }
        try text.write(toFile: manifests + "/projects.yaml", atomically: true, encoding: .utf8)
        let tls = try Command.capture(binary, ["keys", "tls", manifests])
        guard tls.exitCode == 0 else {
            throw SandboxTree.Failure(description: "onionops keys tls: \(tls.stdout)\(tls.stderr)")
        }
    }

    /// The change the "one change" rows measure: p0 blocks /wp-admin.
    func changeFirstProject(_ manifests: String) throws {
        let path = manifests + "/projects.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let marker = "metadata: {name: p0}\nspec:\n"
        guard text.contains(marker) else { throw SandboxTree.Failure(description: "p0 not found in \(path)") }
        try text.replacingOccurrences(of: marker, with: marker + "  nginx: {block: {paths: [/wp-admin]}}\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// `onionops render --with-keys` for every host, each read back.
    func renderAll(_ manifests: String, names: [String], into folder: String) throws -> [String: FanOutBench.Rendered] {
        var result: [String: FanOutBench.Rendered] = [:]
        for name in names {
            let out = folder + "/" + name
            let rendered = try Command.capture(
                binary,
                [
                    "render", manifests, "--host", name, "--out", out, "--with-keys", "--identity",
                    RepositoryPaths.demoIdentity.path,
                ])
            guard rendered.exitCode == 0 else {
                throw SandboxTree.Failure(description: "onionops render \(name): \(rendered.stderr)")
            }
            var tree = try FanOutBench.snapshot(out, keepContents: true)
            // render sets owners only; onionops chowns to the owner and the
            // owner's group (`chown user:`), and so must Ansible.
            for (path, entry) in tree.entries {
                tree.entries[path]?.group = Self.primaryGroup(of: entry.owner) ?? entry.group
            }
            result[name] = tree
        }
        return result
    }

    static func primaryGroup(of user: String) -> String? {
        guard let account = getpwnam(user), let group = getgrgid(account.pointee.pw_gid) else { return nil }
        return String(cString: group.pointee.gr_name)
    }

    /// Empties a host root down to what a fresh server has.
    func wipe(_ root: String) throws {
        for item in try FileManager.default.contentsOfDirectory(atPath: root) {
            try FileManager.default.removeItem(atPath: root + "/" + item)
        }
        for folder in FanOutBench.serverFolders {
            try FileManager.default.createDirectory(
                atPath: root + "/" + folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: NSNumber(value: 0o755)])
        }
    }

    /// Closes both tools' shared SSH connections to the hosts, so the next
    /// timed run connects as a fresh run would, and nothing is left
    /// running at the end. onionops keeps them under
    /// /tmp/onionops-ssh-<uid>/%C (HostConnector), which other runs share:
    /// only these hosts' are closed, by asking ssh for the same %C.
    func closeConnections(_ hosts: [SSHTestHost], ansibleFolder: String) {
        for host in hosts {
            let ssh = host.connection
            _ = try? Command.run(
                "/usr/bin/ssh",
                [
                    "-o", "ControlPath=/tmp/onionops-ssh-\(getuid())/%C", "-p", String(ssh.port), "-O", "exit",
                    "\(ssh.user)@\(ssh.address)",
                ])
        }
        let sockets = ansibleFolder + "/cp"
        for socket in (try? FileManager.default.contentsOfDirectory(atPath: sockets)) ?? [] {
            _ = try? Command.run("/usr/bin/ssh", ["-o", "ControlPath=\(sockets)/\(socket)", "-O", "exit", "bench"])
        }
    }
}

extension FanOutBench.Run {
    /// ansible.cfg and the playbook, the same for every inventory.
    ///
    /// Ansible's defaults (linear strategy, ssh with ControlMaster and
    /// ControlPersist=60s, smart transfer) except: forks 20 (the same
    /// fan-out as onionops's --parallel 20), pipelining on (fewer round
    /// trips per module), no fact gathering (nothing uses facts) and the
    /// Python named, so no interpreter discovery runs per host.
    func writeAnsibleCommon(_ folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder + "/cp", withIntermediateDirectories: true)
        try """
        [defaults]
        forks = \(parallel)
        gathering = explicit
        host_key_checking = True
        interpreter_python = /usr/bin/python3
        retry_files_enabled = False
        nocows = 1

        [ssh_connection]
        pipelining = True
        control_path_dir = \(folder)/cp

        """.write(toFile: folder + "/ansible.cfg", atomically: true, encoding: .utf8)
        // trim_blocks off: the templates are raw blocks around the content,
        // and a newline right after a block tag must stay.
        try """
        - name: OnionOps fan-out files, as an Ansible role would place them
          hosts: fanout
          gather_facts: false
          tasks:
            - name: Folders
              ansible.builtin.file:
                path: "{{ item.path }}"
                state: directory
                owner: "{{ item.owner }}"
                group: "{{ item.group }}"
                mode: "{{ item.mode }}"
              loop: "{{ onion_folders }}"
              loop_control: {label: "{{ item.path }}"}
            - name: Config files and certificates (Jinja2 templates)
              ansible.builtin.template:
                src: "{{ item.src }}"
                dest: "{{ item.dest }}"
                owner: "{{ item.owner }}"
                group: "{{ item.group }}"
                mode: "{{ item.mode }}"
                trim_blocks: false
              loop: "{{ onion_templates }}"
              loop_control: {label: "{{ item.dest }}"}
            - name: Binary onion key files
              ansible.builtin.copy:
                src: "{{ item.src }}"
                dest: "{{ item.dest }}"
                owner: "{{ item.owner }}"
                group: "{{ item.group }}"
                mode: "{{ item.mode }}"
              loop: "{{ onion_copies }}"
              loop_control: {label: "{{ item.dest }}"}

        """.write(toFile: folder + "/playbook.yml", atomically: true, encoding: .utf8)
    }

    /// A JSON inventory (the YAML inventory plugin reads JSON): per host
    /// the connection and three item lists. Text files become templates
    /// in which the host's root is the variable `sandbox_root` and the
    /// rest a raw block; binary files (onion keys) are copied. Sources are
    /// stored by content hash, so hosts with the same file share it.
    func writeInventory(
        _ path: String, hosts: [SSHTestHost], names: [String], rendered: [String: FanOutBench.Rendered],
        in folder: String
    ) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder + "/templates", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: folder + "/files", withIntermediateDirectories: true)
        var inventory: [String: Any] = [:]
        for (name, host) in zip(names, hosts) {
            let ssh = host.connection
            let root = ssh.root
            var folders: [[String: String]] = []
            var templates: [[String: String]] = []
            var copies: [[String: String]] = []
            let tree = rendered[name] ?? FanOutBench.Rendered()
            // Sorted, so a parent comes before its children.
            for (relative, entry) in tree.entries.sorted(by: { $0.key < $1.key }) {
                var item = [
                    "owner": entry.owner, "group": entry.group, "mode": String(format: "%04o", Int(entry.mode)),
                ]
                if entry.isDirectory {
                    // Every folder, each with its own owner and mode:
                    // `file: state=directory` gives missing parents the
                    // owner and mode of the folder it makes, so none may
                    // be left to it. Those a server has anyway are there.
                    guard !FanOutBench.serverFolders.contains(relative) else { continue }
                    item["path"] = root + "/" + relative
                    folders.append(item)
                    continue
                }
                let data = tree.contents[relative] ?? Data()
                item["dest"] = root + "/" + relative
                if let template = Self.template(data, root: root) {
                    let source = folder + "/templates/" + Self.digest(Data(template.utf8)) + ".j2"
                    if !manager.fileExists(atPath: source) {
                        try template.write(toFile: source, atomically: true, encoding: .utf8)
                    }
                    item["src"] = source
                    templates.append(item)
                } else {
                    let source = folder + "/files/" + Self.digest(data)
                    if !manager.fileExists(atPath: source) { try data.write(to: URL(fileURLWithPath: source)) }
                    item["src"] = source
                    copies.append(item)
                }
            }
            inventory[name] = [
                "ansible_host": ssh.address,
                "ansible_port": ssh.port,
                "ansible_user": ssh.user,
                "ansible_ssh_private_key_file": ssh.identityFile ?? "",
                "ansible_ssh_common_args":
                    "-o UserKnownHostsFile=\(ssh.knownHostsFile ?? "") -o ControlMaster=auto -o ControlPersist=60s",
                "ansible_python_interpreter": "/usr/bin/python3",
                "sandbox_root": root,
                "onion_folders": folders,
                "onion_templates": templates,
                "onion_copies": copies,
            ]
        }
        let document: [String: Any] = ["all": ["children": ["fanout": ["hosts": inventory]]]]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// A Jinja2 template that renders to `data` on a host whose root is
    /// `root`, or nil for content that is not text (or would close the raw
    /// block early).
    static func template(_ data: Data, root: String) -> String? {
        guard let text = String(data: data, encoding: .utf8), !text.contains("\0"), !text.contains("endraw") else {
            return nil
        }
        let parts = text.components(separatedBy: root)
        return "{% raw %}" + parts.joined(separator: "{% endraw %}{{ sandbox_root }}{% raw %}") + "{% endraw %}"
    }

    static func digest(_ data: Data) -> String {
        Hex.encode(SHA256.hash(data: data).prefix(16))
    }

    func runAnsible(_ folder: String, inventory: String, check: Bool, deadline: Int?) throws -> Command.Captured {
        // ANSIBLE_CONFIG by name: Ansible also reads ./ansible.cfg, but
        // not from a folder others can write to, and this should not
        // depend on where the bench runs.
        // timeout(1) ends it at the deadline (exit 124), and kills it 10 s
        // later if SIGTERM was not enough.
        let timeout = deadline.map { ["/usr/bin/timeout", "--kill-after=10", String($0)] } ?? []
        return try Command.capture(
            "/usr/bin/env",
            ["ANSIBLE_CONFIG=\(folder)/ansible.cfg"] + timeout + [ansible, "-i", inventory, "playbook.yml"]
                + (check ? ["--check", "--diff"] : []),
            in: folder)
    }

    /// The PLAY RECAP: no host failed or unreachable, and `changedHosts`
    /// hosts changed something.
    func expectRecap(_ output: String, changedHosts: Int, what: String) throws {
        var changed = 0
        var seen = 0
        for line in output.split(separator: "\n") where line.contains(" ok=") && line.contains("unreachable=") {
            seen += 1
            let fields = Dictionary(
                line.split(separator: " ").compactMap { field -> (String, Int)? in
                    let pair = field.split(separator: "=")
                    guard pair.count == 2, let value = Int(pair[1]) else { return nil }
                    return (String(pair[0]), value)
                }, uniquingKeysWith: { first, _ in first })
            guard fields["failed"] == 0, fields["unreachable"] == 0 else {
                throw SandboxTree.Failure(description: "Ansible \(what): \(line)")
            }
            if (fields["changed"] ?? 0) > 0 { changed += 1 }
        }
        guard seen == hostCount, changed == changedHosts else {
            throw SandboxTree.Failure(
                description:
                    "Ansible \(what): \(seen) hosts in the recap, \(changed) changed; expected \(hostCount) and \(changedHosts)"
            )
        }
    }
}
