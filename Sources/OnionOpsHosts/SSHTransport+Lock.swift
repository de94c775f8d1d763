import Foundation
public import OnionOpsCore

extension SSHTransport {
    /// Seconds without a keep-alive line after which the host frees the lock
    /// by itself: bounds how long a controller cut off without a trace (a
    /// pulled cable, a frozen VM) keeps a host.
    public static let lockLease = 30
    /// Well inside the lease, so a busy controller never loses it.
    static let lockKeepAlive: Duration = .seconds(5)

    /// The lock is an `flock` taken by a shell on the host and held for as
    /// long as that shell runs, in a session of its own on the shared
    /// connection (no second SSH handshake per host). The session's input
    /// is a pipe only this process writes to; ssh hands it to the master,
    /// so when this process dies (even SIGKILL), or the connection drops,
    /// the shell reads end of file and exits, and the kernel frees the
    /// lock, although the master outlives us: nothing is ever
    /// taken over, so no two reconcilers can both win a takeover, and no
    /// dead controller blocks a host. A controller cut off silently stops
    /// its keep-alive lines and the host frees the lock after the lease.
    /// The holder answers each keep-alive: after half the lease without an
    /// answer (or once the session ends) our side counts the lock as lost,
    /// before the host can free it, and the session stops before its next
    /// step (`HostLockHandle.lossReason`).
    public func lock(owner: String) async throws(HostError) -> HostLock {
        let path = try confined(HostLock.path, in: HostLayout(root: connection.root))
        let mine = LocalMachine.lock(owner: owner)
        let script = LockScript.hold(path: path, record: mine.fileContent, lease: Self.lockLease)
        // The alive checks apply when this ssh starts the shared master.
        let options = ["-T", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"]
        let child: HeldProcess
        do {
            // ssh joins its words into one command line for the login shell.
            child = try HeldProcess.start(
                sshPath, options + sshArguments + ["--", asRoot("/bin/sh -c " + LockScript.quote(script))])
        } catch {
            throw HostError(host: host, code: .unreachable, message: "cannot run ssh: \(error)")
        }
        // Keep-alives from the start, on the child's own thread: the host
        // starts its lease the moment it prints `held`, and if this task
        // reads that line late (every pool thread busy, seen in a loaded test
        // run) the first keep-alive must not be late with it. Lines sent
        // before `held` wait in the pipe and are answered once it holds.
        child.keepAlive(every: Self.lockKeepAlive, line: Array("\n".utf8), ack: "alive")
        // The first line the script prints, past anything the login shell
        // says first (a chatty ~/.bashrc).
        var answer: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while let line = await child.readLine(until: deadline) {
            if ["held", "busy", "foreign"].contains(line) || line.hasPrefix("error ") {
                answer = line
                break
            }
        }
        switch answer {
        case "held":
            var lock = mine
            lock.handle = SSHLockHandle(child: child, host: host, path: path, fence: fence, token: mine.token)
            fence.set(LockFence.Held(path: HostLock.path, resolvedPath: path, token: mine.token))
            return lock
        case "busy", "foreign":
            let record = await child.readRest(until: .now + .seconds(10))
            await child.kill()
            throw HostError(
                host: host, code: .locked, message: "locked by \(LockScript.describe(record: record)) at \(path)")
        default:
            child.closeInput()
            let rest = await child.readRest(until: .now + .seconds(5))
            let status = await child.wait(until: .now + .seconds(5))
            await child.kill()
            let said = ((answer ?? "") + "\n" + rest + child.errorOutput).lastLine
            if let answer, answer.hasPrefix("error ") {
                throw HostError(
                    host: host, code: .locked, message: "cannot take \(path): \(answer.dropFirst("error ".count))")
            }
            throw HostError(
                host: host, code: status == 255 || answer == nil ? .unreachable : .io,
                message: "no answer to the lock of \(path)" + (said.isEmpty ? "" : ": \(said)"))
        }
    }

    /// Ends the lock's session: the shell on the host checks the record is
    /// still ours, clears it and exits, which frees the lock. Any other end
    /// (the session had already ended, the lease ran out, the record was
    /// rewritten) is an error: for part of this session the host was not
    /// ours.
    public func unlock(_ lock: HostLock) async throws(HostError) {
        guard let handle = lock.handle as? SSHLockHandle else {
            throw HostError(host: host, code: .locked, message: "not a lock this transport took (\(lock.owner))")
        }
        let failure = await handle.release()
        if fence.held?.token == lock.token { fence.set(nil) }
        if let failure {
            throw HostError(host: host, code: .locked, message: failure)
        }
    }
}

/// The live SSH session holding a host lock.
final class SSHLockHandle: HostLockHandle {
    let child: HeldProcess
    let host: String
    let path: String
    /// Where the transport says the host refused a change for want of
    /// this lock (`token`).
    let fence: LockFence
    let token: String

    init(child: HeldProcess, host: String, path: String, fence: LockFence, token: String) {
        self.child = child
        self.host = host
        self.path = path
        self.fence = fence
        self.token = token
    }

    func lossReason() -> String? {
        let (ended, pending) = child.peek()
        if ended || !pending.isEmpty { return explain(pending) }
        // The session looks alive from here, but the host said otherwise.
        if let refused = fence.lost(token) { return refused }
        // Half the lease without an answer: the holder on the host may be
        // gone (killed, its host cut off), or it may free the lock soon.
        // Either way this session must not count on the host any more.
        let silence = child.sinceAck
        guard silence > .seconds(SSHTransport.lockLease / 2) else { return nil }
        return "the lock on \(path) was lost: no answer from its holder on the host for "
            + "\(silence.components.seconds) s (the host frees it after \(SSHTransport.lockLease) s without word from us)"
    }

    /// nil when released cleanly, else what went wrong.
    func release() async -> String? {
        if let lost = lossReason() {
            await child.kill()
            return lost
        }
        child.closeInput()
        let said = await child.readRest(until: .now + .seconds(15))
        _ = await child.wait(until: .now + .seconds(5))
        await child.kill()
        return said.hasPrefix("released") ? nil : explain(said)
    }

    /// What the host's shell said (or did not say) when the session ended.
    private func explain(_ said: String) -> String {
        if said.hasPrefix("expired") {
            return "the lock on \(path) was lost: the host heard nothing from this reconciler for "
                + "\(SSHTransport.lockLease) s and freed it"
        }
        if said.hasPrefix("mismatch") {
            let record = String(said.dropFirst("mismatch".count)).trimmingCharacters(in: .newlines)
            return "the lock record at \(path) is no longer ours: it names \(LockScript.describe(record: record))"
        }
        if said.hasPrefix("released") { return "the lock on \(path) was already released" }
        let reason = child.errorOutput.lastLine
        return "the SSH session holding the lock on \(path) ended"
            + (reason.isEmpty ? "" : " (\(reason))") + "; another reconciler may have taken the host since"
    }
}

extension String {
    /// The last non-empty line, for messages.
    fileprivate var lastLine: String {
        split(whereSeparator: \.isNewline).last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
    }
}
