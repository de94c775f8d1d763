import Foundation
public import OnionOpsCore

/// A host reached with the OpenSSH client: BatchMode (never a prompt),
/// strict host-key checking, and one shared connection per host
/// (ControlMaster/ControlPersist), so each batch costs one `ssh` exchange.
///
/// Every file batch is `RemoteFileProgram` run by the host's perl (from
/// perl-base, Essential on Debian), which never follows a symlink below the
/// host's root; locks and other scripts are POSIX sh run by `sh -s`.
public struct SSHTransport: HostTransport {
    public let host: String
    public let connection: SSHConnection
    /// Folder for the connection-sharing sockets (short: unix socket paths).
    public let controlDirectory: String
    public let sshPath: String
    /// The lock this transport holds, checked on the host before each
    /// change (shared by copies of this value).
    let fence = LockFence()

    public init(host: String, connection: SSHConnection, controlDirectory: String, sshPath: String = "/usr/bin/ssh") {
        self.host = host
        self.connection = connection
        self.controlDirectory = controlDirectory
        self.sshPath = sshPath
    }

    private var layout: HostLayout { HostLayout(root: connection.root) }

    /// The `ssh` argument list up to and including the destination.
    public var sshArguments: [String] {
        var arguments = [
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "ControlMaster=auto",
            "-o", "ControlPath=\(controlDirectory)/%C",
            "-o", "ControlPersist=60",
            "-o", "ConnectTimeout=10",
            "-o", "LogLevel=ERROR",
            "-p", String(connection.port),
        ]
        if let identity = connection.identityFile { arguments += ["-i", identity, "-o", "IdentitiesOnly=yes"] }
        if let knownHosts = connection.knownHostsFile { arguments += ["-o", "UserKnownHostsFile=\(knownHosts)"] }
        return arguments + ["\(connection.user)@\(connection.address)"]
    }

    /// `command` (one line for the login shell) as root: itself for a
    /// root login; with `become: sudo`, `sudo -n -- /bin/sh -c 'command'`,
    /// so the host's sudo rule names one program (see the README). `-n`: a
    /// missing or password-asking rule fails at once instead of waiting on
    /// a prompt no one answers.
    func asRoot(_ command: String) -> String {
        switch connection.become {
        case nil: command
        case .sudo: "sudo -n -- /bin/sh -c " + ShellScript.quote(command)
        }
    }

    /// sudo's own refusal (exit 1, "sudo: ..." on stderr) as an error that
    /// names the rule the host lacks, not as the command's failure.
    func checkBecome(_ output: CommandOutput) throws(HostError) {
        // Only refusals: sudo also warns ("unable to resolve host") and
        // then runs the command, whose own exit 1 is not sudo's.
        let refusals = ["password is required", "not allowed to execute", "not in the sudoers", "terminal is required"]
        guard connection.become == .sudo, output.exitCode == 1,
            let line = output.stderr.split(separator: "\n").first(where: { line in
                line.hasPrefix("sudo: ") && refusals.contains { line.contains($0) }
            })
        else { return }
        throw HostError(
            host: host, code: .unreachable,
            message: "\(connection.user) cannot become root with sudo (\(line.dropFirst("sudo: ".count))); "
                + "the host needs the sudoers rule: \(connection.user) ALL=(root) NOPASSWD: /bin/sh")
    }

    private func resolve(_ path: String) throws(HostError) -> String {
        try confined(path, in: layout)
    }

    /// One round trip: the script on stdin of `sh -s`. ssh's own failure
    /// (exit 255) means the host was not reached.
    func script(_ text: String) async throws(HostError) -> CommandOutput {
        let output: CommandOutput
        let held = fence.held
        let fenced = held.map { LockFence.check($0) + "\n" + text } ?? text
        do {
            output = try await Spawn.hostCommand(
                sshPath, sshArguments + ["--", asRoot("/bin/sh -s")], input: Array(fenced.utf8))
        } catch {
            throw HostError(host: host, code: .unreachable, message: "cannot run ssh: \(error)")
        }
        if output.exitCode == 255 {
            throw HostError(host: host, code: .unreachable, message: "ssh failed: \(output.stderr.trimmedLine)")
        }
        try checkBecome(output)
        try checkFence(output, held: held, doing: "the script")
        return output
    }

    /// The sh fence's refusal (`LockFence.check`) as a lock error.
    private func checkFence(_ output: CommandOutput, held: LockFence.Held?, doing what: String) throws(HostError) {
        guard let held, output.exitCode == LockFence.exitStatus else { return }
        if let refusal = fenceRefusal(output.stderr.trimmedLine, held: held, then: "not run: \(what)") {
            throw refusal
        }
    }

    /// An error line of the fence (sh's or the file program's) as a lock
    /// error, said to the lock's handle too; nil for any other line.
    private func fenceRefusal(_ line: String, held: LockFence.Held?, then what: String) -> HostError? {
        guard let held, line.hasSuffix(LockFence.marker) else { return nil }
        let reason = line.replacing(" " + LockFence.marker, with: "")
        fence.refused(held.token, reason)
        return HostError(host: host, code: .locked, message: reason + "; " + what)
    }

    /// One round trip: `RemoteFileProgram` on the host, as root, with
    /// the operations on its stdin.
    func fileBatch(_ lines: [String]) async throws(HostError) -> CommandOutput {
        let root = connection.root.isEmpty ? "/" : connection.root
        let remote = asRoot(
            "/usr/bin/perl -e \(ShellScript.quote(RemoteFileProgram.text)) \(RemoteFileProgram.hex(root))")
        var input: [UInt8] = []
        for line in lines {
            input += Array(line.utf8)
            input.append(UInt8(ascii: "\n"))
        }
        let output: CommandOutput
        do {
            output = try await Spawn.hostCommand(sshPath, sshArguments + ["--", remote], input: input)
        } catch {
            throw HostError(host: host, code: .unreachable, message: "cannot run ssh: \(error)")
        }
        if output.exitCode == 255 {
            throw HostError(host: host, code: .unreachable, message: "ssh failed: \(output.stderr.trimmedLine)")
        }
        try checkBecome(output)
        guard output.succeeded else {
            let message = output.stderr.trimmedLine
            if let refusal = fenceRefusal(message, held: fence.held, then: "nothing in this batch was changed") {
                throw refusal
            }
            let code: HostError.Code = message.hasSuffix("[unsafe-path]") ? .unsafePath : .io
            throw HostError(host: host, code: code, message: message.replacing(" [unsafe-path]", with: ""))
        }
        return output
    }

    /// `path` as the program takes it: host-absolute (the program starts
    /// from the host's root), checked like every other path.
    private func hostPath(_ path: String) throws(HostError) -> String {
        _ = try resolve(path)
        return path
    }

    public func stat(_ paths: [String]) async throws(HostError) -> [String: FileStatus] {
        try await look(read: [], stat: paths, livePidsIn: []).statuses
    }

    public func read(_ paths: [String]) async throws(HostError) -> [String: [UInt8]] {
        try await look(read: paths, stat: [], livePidsIn: []).contents
    }

    /// The pid files read and their processes checked in one round trip.
    public func livePids(inFiles pidFiles: [String]) async throws(HostError) -> [String: Int32] {
        try await look(read: [], stat: [], livePidsIn: pidFiles).livePids
    }

    /// Reads (`G`), stats (`S`) and live pids (`P`) in one batch: one round
    /// trip, whatever the mix.
    public func look(read paths: [String], stat statPaths: [String], livePidsIn pidFiles: [String])
        async throws(HostError) -> HostLook
    {
        var lines: [String] = []
        for (op, list) in [("G", paths), ("S", statPaths), ("P", pidFiles)] {
            for (index, path) in list.enumerated() {
                lines.append("\(op)\t\(index)\t\(RemoteFileProgram.hex(try hostPath(path)))")
            }
        }
        guard !lines.isEmpty else { return HostLook() }
        let output = try await fileBatch(lines)
        var look = HostLook()
        for line in output.stdout.split(separator: UInt8(ascii: "\n")) {
            let fields = String(decoding: line, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3, let index = Int(fields[1]) else { continue }
            switch fields[0] {
            case "G" where fields.count == 3 && paths.indices.contains(index):
                look.contents[paths[index]] = RemoteFileProgram.unhex(fields[2])
            case "S" where fields.count == 7 && statPaths.indices.contains(index):
                guard let size = Int(fields[3]), let mode = UInt16(fields[4], radix: 8) else { continue }
                look.statuses[statPaths[index]] = FileStatus(
                    isDirectory: fields[2] == "dir",
                    size: size,
                    mode: mode,
                    owner: String(fields[5]),
                    sha256: fields[6] == "-" ? nil : String(fields[6]),
                    isSymbolicLink: fields[2] == "link"
                )
            case "P" where fields.count == 3 && pidFiles.indices.contains(index):
                look.livePids[pidFiles[index]] = Int32(fields[2])
            default: continue
            }
        }
        return look
    }

    public func apply(_ operations: [HostOperation]) async throws(HostError) {
        guard !operations.isEmpty else { return }
        let batch = HostBatch(operations)
        var lines: [String] = []
        if let held = fence.held {
            lines.append("L\t\(RemoteFileProgram.hex(try hostPath(held.path)))\t\(RemoteFileProgram.hex(held.token))")
        }
        for directory in batch.directories {
            lines.append(
                "D\t\(RemoteFileProgram.hex(try hostPath(directory.path)))\t\(String(directory.mode, radix: 8))\t"
                    + RemoteFileProgram.hex(directory.owner))
        }
        for file in batch.writes {
            lines.append(
                "W\t\(RemoteFileProgram.hex(try hostPath(file.path)))\t\(String(file.mode, radix: 8))\t"
                    + "\(RemoteFileProgram.hex(file.owner))\t\(RemoteFileProgram.hex(file.content))")
        }
        for path in batch.removals {
            lines.append("R\t\(RemoteFileProgram.hex(try hostPath(path)))")
        }
        for path in batch.emptyFolderRemovals {
            lines.append("E\t\(RemoteFileProgram.hex(try hostPath(path)))")
        }
        do {
            _ = try await fileBatch(lines)
        } catch {
            throw HostError(host: host, code: error.code, message: "apply failed: \(error.message)")
        }
    }

    public func run(_ command: [String], input: [UInt8]) async throws(HostError) -> CommandOutput {
        // ssh joins its arguments into one command line for the remote
        // shell, so each word is quoted to arrive as it was given.
        var line = command.map(ShellScript.quote).joined(separator: " ")
        let held = fence.held
        if let held { line = LockFence.check(held) + "\nexec " + line }
        let remote = asRoot(line)
        do {
            let output = try await Spawn.hostCommand(sshPath, sshArguments + ["--", remote], input: input)
            if output.exitCode == 255 {
                throw HostError(host: host, code: .unreachable, message: "ssh failed: \(output.stderr.trimmedLine)")
            }
            try checkBecome(output)
            try checkFence(output, held: held, doing: command.joined(separator: " "))
            return output
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError(host: host, code: .unreachable, message: "cannot run ssh: \(error)")
        }
    }

    /// Forwards a local unix socket to `path` on the host over the shared
    /// connection (`ssh -O forward`), so tor's control socket and
    /// Onionbalance's status socket are reachable without opening a port.
    public func forwardSocket(_ path: String) async throws(HostError) -> String {
        let target = try resolve(path)
        let local = "\(controlDirectory)/fw-\(UInt32.random(in: 0...UInt32.max)).sock"
        guard connection.become != nil else { return try await forward(local: local, to: target) }
        let relay = try await startRelay(to: target, local: local)
        do {
            return try await forward(local: local, to: relay)
        } catch {
            await SocketRelay.release(local: local)
            throw error
        }
    }

    private func forward(local: String, to remote: String) async throws(HostError) -> String {
        var said = ""
        // The master connection must exist before -O forward can use it. A
        // master can end between the two (a loaded CI run lost one there
        // once: "Control socket connect ... No such file"), so a forward
        // that finds no master makes one again, twice at most.
        for _ in 0..<3 {
            guard try await script("true\n").succeeded else {
                throw HostError(host: host, code: .unreachable, message: "no shared ssh connection")
            }
            let output = try await control(["-O", "forward", "-L", "\(local):\(remote)"])
            if output.succeeded { return local }
            said = output.stderr.trimmedLine
            guard said.contains("Control socket connect") else { break }
        }
        throw HostError(host: host, code: .commandFailed, message: "cannot forward \(remote): \(said)")
    }

    public func releaseSocket(_ localPath: String) async {
        _ = try? await control(["-O", "cancel", "-L", "\(localPath):/"])
        unlink(localPath)
        await SocketRelay.release(local: localPath)
    }

    /// Starts a `SocketRelay` to `target` as root and returns the socket it
    /// listens on, which the login user may forward to.
    private func startRelay(to target: String, local: String) async throws(HostError) -> String {
        let remote = asRoot(
            "/usr/bin/perl -e \(ShellScript.quote(SocketRelay.program)) \(RemoteFileProgram.hex(target))")
        let relay: HeldProcess
        do {
            relay = try HeldProcess.start(sshPath, ["-T"] + sshArguments + ["--", remote])
        } catch {
            throw HostError(host: host, code: .unreachable, message: "cannot run ssh: \(error)")
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while let line = await relay.readLine(until: deadline) {
            if line.hasPrefix("listening /") {
                SocketRelay.register(relay, local: local)
                return String(line.dropFirst("listening ".count))
            }
            if line.hasPrefix("error ") {
                await relay.kill()
                throw HostError(
                    host: host, code: .commandFailed,
                    message: "cannot relay \(target) as root: \(line.dropFirst("error ".count))")
            }
        }
        let said = relay.errorOutput.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        await relay.kill()
        throw HostError(
            host: host, code: .commandFailed,
            message: "cannot relay \(target) as root" + (said.isEmpty ? "" : ": \(said)"))
    }

    /// A control command (`-O ...`) to the shared connection's master.
    private func control(_ arguments: [String]) async throws(HostError) -> CommandOutput {
        var options = sshArguments
        let destination = options.removeLast()
        do {
            return try await Spawn.hostCommand(sshPath, options + arguments + [destination], input: [])
        } catch {
            throw HostError(host: host, code: .unreachable, message: "cannot run ssh: \(error)")
        }
    }
}

extension String {
    /// The last non-empty line, for error messages. Split on any line end:
    /// ssh's own messages end in "\r\n", one Character in Swift, which a
    /// split on "\n" does not see.
    fileprivate var trimmedLine: String {
        split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
    }
}
