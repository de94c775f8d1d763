import Foundation
public import OnionOpsCore

/// A host reached with the OpenSSH client: BatchMode (never a prompt),
/// strict host-key checking, and one shared connection per host
/// (ControlMaster/ControlPersist), so each batch costs one `ssh` exchange.
///
/// Every batch is a POSIX sh script run by `sh -s` on the host; it needs
/// only sh, coreutils and base64 there.
public struct SSHTransport: HostTransport {
    public let host: String
    public let connection: SSHConnection
    /// Folder for the connection-sharing sockets (short: unix socket paths).
    public let controlDirectory: String
    public let sshPath: String

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

    private func resolve(_ path: String) throws(HostError) -> String {
        try confined(path, in: layout)
    }

    /// One round trip: the script on stdin of `sh -s`. ssh's own failure
    /// (exit 255) means the host was not reached.
    func script(_ text: String) throws(HostError) -> CommandOutput {
        let output: CommandOutput
        do {
            output = try ProcessRunner.run(sshPath, sshArguments + ["--", "sh", "-s"], input: Array(text.utf8))
        } catch {
            throw HostError(host: host, code: .unreachable, message: "cannot run ssh: \(error)")
        }
        if output.exitCode == 255 {
            throw HostError(host: host, code: .unreachable, message: "ssh failed: \(output.stderr.trimmedLine)")
        }
        return output
    }

    public func stat(_ paths: [String]) async throws(HostError) -> [String: FileStatus] {
        var text = "cd / || exit 1\n"
        for (index, path) in paths.enumerated() {
            let p = ShellScript.quote(try resolve(path))
            text += """
                if [ -e \(p) ] || [ -L \(p) ]; then
                  s=$(stat -c '%F|%s|%a|%U' \(p))
                  if [ -f \(p) ]; then h=$(sha256sum < \(p) | cut -d' ' -f1); else h=-; fi
                  echo "\(index)|$s|$h"
                fi

                """
        }
        let output = try script(text)
        guard output.succeeded else { throw HostError(host: host, code: .io, message: output.stderr.trimmedLine) }
        var result: [String: FileStatus] = [:]
        for line in output.stdoutText.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count == 6, let index = Int(fields[0]), paths.indices.contains(index),
                let size = Int(fields[2]), let mode = UInt16(fields[3], radix: 8)
            else { continue }
            result[paths[index]] = FileStatus(
                isDirectory: fields[1] == "directory",
                size: size,
                mode: mode,
                owner: String(fields[4]),
                sha256: fields[5] == "-" ? nil : String(fields[5])
            )
        }
        return result
    }

    public func read(_ paths: [String]) async throws(HostError) -> [String: [UInt8]] {
        var text = ""
        for (index, path) in paths.enumerated() {
            let p = ShellScript.quote(try resolve(path))
            text += "if [ -f \(p) ]; then echo '@@\(index)'; base64 -w0 < \(p); echo; fi\n"
        }
        let output = try script(text)
        guard output.succeeded else { throw HostError(host: host, code: .io, message: output.stderr.trimmedLine) }
        var result: [String: [UInt8]] = [:]
        let lines = output.stdoutText.split(separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        while index + 1 < lines.count {
            if lines[index].hasPrefix("@@"), let number = Int(lines[index].dropFirst(2)),
                paths.indices.contains(number),
                let content = ShellScript.decodeBase64(lines[index + 1])
            {
                result[paths[number]] = content
                index += 2
            } else {
                index += 1
            }
        }
        return result
    }

    public func apply(_ operations: [HostOperation]) async throws(HostError) {
        var text = "set -e\numask 077\n"
        let batch = HostBatch(operations)
        for directory in batch.directories {
            text += ShellScript.makeDirectory(try resolve(directory.path), mode: directory.mode, owner: directory.owner)
        }
        for (number, file) in batch.writes.enumerated() {
            text += ShellScript.atomicWrite(
                file.content,
                to: try resolve(file.path),
                mode: file.mode,
                owner: file.owner,
                number: number
            )
        }
        for path in batch.removals {
            text += ShellScript.remove(try resolve(path))
        }
        for path in batch.emptyFolderRemovals {
            let p = ShellScript.quote(try resolve(path))
            text += "if [ -d \(p) ] && [ ! -L \(p) ]; then rmdir \(p) 2>/dev/null || [ -n \"$(ls -A \(p))\" ]; fi\n"
        }
        let output = try script(text)
        guard output.succeeded else {
            throw HostError(host: host, code: .io, message: "apply failed: \(output.stderr.trimmedLine)")
        }
    }

    public func run(_ command: [String], input: [UInt8]) async throws(HostError) -> CommandOutput {
        // ssh joins its arguments into one command line for the remote
        // shell, so each word is quoted to arrive as it was given.
        let remote = command.map(ShellScript.quote).joined(separator: " ")
        do {
            let output = try ProcessRunner.run(sshPath, sshArguments + ["--", remote], input: input)
            if output.exitCode == 255 {
                throw HostError(host: host, code: .unreachable, message: "ssh failed: \(output.stderr.trimmedLine)")
            }
            return output
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError(host: host, code: .unreachable, message: "cannot run ssh: \(error)")
        }
    }

    /// `set -C` makes the redirection an exclusive create, so two
    /// reconcilers cannot both win. A lock left by a process of this
    /// machine that has exited is taken over (removed only if it still
    /// holds what was read, so a racing reconciler's fresh lock survives);
    /// one from another machine is left for a person (or that machine).
    public func lock(owner: String) async throws(HostError) -> HostLock {
        let path = try resolve(HostLock.path)
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let mine = LocalMachine.lock(owner: owner)
        let p = ShellScript.quote(path)
        for _ in 0..<2 {
            let text = """
                mkdir -p \(ShellScript.quote(folder))
                if ( set -C; printf '%s' \(ShellScript.quote(mine.fileContent)) > \(p) ) 2>/dev/null; then
                  echo taken
                else
                  cat \(p)
                fi

                """
            let reply = try script(text).stdoutText
            if reply == "taken\n" { return mine }
            guard let held = HostLock.parse(reply) else {
                throw HostError(host: host, code: .locked, message: "locked by an unreadable lock file at \(path)")
            }
            guard LocalMachine.isStale(held) else {
                throw HostError(host: host, code: .locked, message: "locked by \(held.holderDescription) at \(path)")
            }
            let expected = ShellScript.quote(String(held.fileContent.dropLast()))
            _ = try script("if [ \"$(cat \(p) 2>/dev/null)\" = \(expected) ]; then rm -f \(p); fi\n")
        }
        throw HostError(host: host, code: .locked, message: "could not take \(path)")
    }

    public func unlock(_ lock: HostLock) async throws(HostError) {
        let path = try resolve(HostLock.path)
        let text = """
            if [ "$(cat \(ShellScript.quote(path)) 2>/dev/null)" = \(ShellScript.quote(String(lock.fileContent.dropLast()))) ]; then
              rm -f \(ShellScript.quote(path)); echo released
            fi

            """
        guard try script(text).stdoutText == "released\n" else {
            throw HostError(
                host: host, code: .locked, message: "\(path) is not held by \(lock.owner) (pid \(lock.pid))")
        }
    }

    /// Forwards a local unix socket to `path` on the host over the shared
    /// connection (`ssh -O forward`), so tor's control socket and
    /// Onionbalance's status socket are reachable without opening a port.
    public func forwardSocket(_ path: String) async throws(HostError) -> String {
        let remote = try resolve(path)
        // The master connection must exist before -O forward can use it.
        guard try script("true\n").succeeded else {
            throw HostError(host: host, code: .unreachable, message: "no shared ssh connection")
        }
        let local = "\(controlDirectory)/fw-\(UInt32.random(in: 0...UInt32.max)).sock"
        let output = try control(["-O", "forward", "-L", "\(local):\(remote)"])
        guard output.succeeded else {
            throw HostError(
                host: host, code: .commandFailed, message: "cannot forward \(remote): \(output.stderr.trimmedLine)")
        }
        return local
    }

    public func releaseSocket(_ localPath: String) async {
        _ = try? control(["-O", "cancel", "-L", "\(localPath):/"])
        unlink(localPath)
    }

    /// A control command (`-O ...`) to the shared connection's master.
    private func control(_ arguments: [String]) throws(HostError) -> CommandOutput {
        var options = sshArguments
        let destination = options.removeLast()
        do {
            return try ProcessRunner.run(sshPath, options + arguments + [destination], input: [])
        } catch {
            throw HostError(host: host, code: .unreachable, message: "cannot run ssh: \(error)")
        }
    }
}

extension String {
    /// The last non-empty line, for error messages.
    fileprivate var trimmedLine: String {
        split(separator: "\n").last.map(String.init) ?? ""
    }
}
