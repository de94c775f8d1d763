import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Class 5 of the hardening review: a second controller (another machine,
/// another container with the same hostname, a restarted pod) against the
/// host lock. Each test acts the second controller out with real processes:
/// children of this test binary racing for the lock, a holder in other pid
/// and UTS namespaces, the real `onionops reconcile` SIGKILLed, stopped, or
/// robbed of its lock. Over the local transport and over SSH to a real sshd.
@Suite(
    "host locks against a second controller", .enabled(if: SecurityWorld.isEnabled, SecurityWorld.disabledReason),
    .serialized)
struct LockSecurityTests {
    typealias Kind = LockSandbox.Kind

    @Test(
        "two processes racing for a lock its dead holder left never both hold it (50 rounds)", arguments: Kind.allCases)
    func raceForADeadHoldersLock(kind: Kind) async throws {
        let sandbox = try LockSandbox(kind)
        defer { sandbox.stop() }
        let rounds = 50
        var took = 0
        var refused = 0
        let hostname = LockSandbox.hostname
        for round in 0..<rounds {
            // What a reconciler SIGKILLed on this machine leaves: its record,
            // its pid gone. The old lock judged such a record stale, read it,
            // then removed the file, and two racers could both do so.
            let dead = HostLock(
                owner: "onionops-reconcile", pid: 4_000_000, startedAt: 1, machine: hostname,
                machineID: "dead-holder", bootID: "dead-holder", processStart: 1, token: "dead-\(round)")
            try dead.fileContent.write(toFile: sandbox.lockPath, atomically: false, encoding: .utf8)
            let place = try TemporaryFolder(prefix: "oo-race")
            defer { place.remove() }
            let racers = try (0..<2).map {
                try LockRacerProcess.start(sandbox: sandbox, folder: place.path, number: $0)
            }
            let ready = racers.allSatisfy { racer in
                racer.process.wait(upTo: 60) { racer.log.contains("ready") }
            }
            try #require(ready, "round \(round): a racer did not start: \(racers.map(\.log))")
            // Both wait on this file, so they ask within a millisecond.
            _ = FileManager.default.createFile(atPath: place.path + "/go", contents: nil)
            for racer in racers { racer.process.wait(upTo: 60) { false } }
            let logs = racers.map(\.log)
            #expect(!logs.contains { $0.contains("both-held") }, "round \(round): two holders at once: \(logs)")
            let winners = logs.filter { $0.contains("took") }.count
            took += winners
            refused += logs.filter { $0.contains("refused host-locked") }.count
            #expect(winners >= 1, "round \(round): nobody took a lock whose holder is dead: \(logs)")
            #expect(
                logs.allSatisfy { $0.contains("released") || $0.contains("refused host-locked") },
                "round \(round): \(logs)")
        }
        SecurityWorld.report(
            "locks (\(kind.rawValue)): \(rounds) rounds of two processes racing for a dead holder's lock: "
                + "\(took) took it, \(refused) refused, never two at once")
        // They met: most rounds, the second asked while the first held it.
        #expect(refused >= rounds / 2, "the racers rarely met: \(refused) refusals in \(rounds) rounds")
    }

    @Test(
        "a live lock held from another container with our hostname is never taken over (record of either format)",
        arguments: Kind.allCases)
    func sameHostnameContainer(kind: Kind) async throws {
        let sandbox = try LockSandbox(kind)
        defer { sandbox.stop() }
        let hostname = LockSandbox.hostname
        // Another container of the same image: our hostname, its own pid
        // namespace (its pid means nothing here: 4000000 is no process of
        // ours), another machine id and boot id. The one-line record is what
        // the old lock wrote and judged stale from the hostname and pid.
        let records = [
            "onionops-reconcile 4000000 \(Int(Date().timeIntervalSince1970)) \(hostname)\n",
            HostLock(
                owner: "onionops-reconcile", pid: 4_000_000, startedAt: Int(Date().timeIntervalSince1970),
                machine: hostname, machineID: "0123456789abcdef0123456789abcdef",
                bootID: "00000000-1111-2222-3333-444444444444", processStart: 42, token: "other-container"
            ).fileContent,
        ]
        for record in records {
            let holder = try BackgroundProcess(
                "/usr/bin/unshare",
                [
                    "--pid", "--fork", "--mount-proc", "--uts", "--kill-child", "--", "/bin/sh", "-c",
                    #"hostname "$1"; exec 9>>"$2"; flock -n 9 || exit 3; printf '%s' "$3" > "$2"; echo held; exec sleep 600"#,
                    "sh", hostname, sandbox.lockPath, record,
                ],
                log: sandbox.folder.path + "/holder.log")
            defer { holder.stop(grace: 1) }
            try #require(holder.wait(upTo: 10) { holder.log.contains("held") }, "holder: \(holder.log)")

            for _ in 0..<10 {
                do {
                    let lock = try await sandbox.transport.lock(owner: "second-controller")
                    try? await sandbox.transport.unlock(lock)
                    Issue.record("\(kind.rawValue): a live lock of another container was taken over")
                } catch {
                    #expect(error.code == .locked && error.message.contains("locked by"), "\(error)")
                }
            }
            let run = try sandbox.reconcile(hostname: hostname)
            #expect(run.exitCode == 1 && run.output.contains("locked by"), "reconcile: \(run.output)")
            #expect(sandbox.lockRecord == record, "the holder's record was touched")
            #expect(holder.isRunning)
            // status names the holder, without disturbing it.
            let status = try sandbox.status()
            #expect(status.output.contains("lock: held by onionops-reconcile"), "status: \(status.output)")
            #expect(sandbox.lockRecord == record)
            holder.stop(grace: 1)
        }
        SecurityWorld.report(
            "locks (\(kind.rawValue)): a live holder in another pid namespace with our hostname kept its lock "
                + "against 20 takes and 2 real reconciles (both record formats)")
    }

    @Test(
        "a SIGKILLed reconciler frees the host at once; the next, from a restarted pod with another hostname, takes it",
        arguments: Kind.allCases)
    func killedHolderFreesTheHost(kind: Kind) async throws {
        let sandbox = try LockSandbox(kind)
        defer { sandbox.stop() }
        let first = try sandbox.startReconcile(hostname: "pod-a", log: "pod-a")
        try #require(sandbox.waitUntilHeld(by: first.pid, process: first), "never held: \(first.log)")
        first.kill()
        let freed = try #require(
            try await sandbox.secondsUntilFree(within: 45), "the host stayed locked after its holder died")
        #expect(freed < 10, "took \(freed) s to free the lock of a dead reconciler")
        let next = try sandbox.reconcile(hostname: "pod-b")
        #expect(next.exitCode == 0, "the next reconcile, from another pod: \(next.output)")
        let status = try sandbox.status()
        #expect(status.exitCode == 0, "\(status.output)")
        #expect(!status.output.contains("lock: held"), "\(status.output)")
        SecurityWorld.report(
            "locks (\(kind.rawValue)): a SIGKILLed reconciler's lock was free after \(String(format: "%.1f", freed)) s; "
                + "a pod with another hostname then reconciled the host")
    }

    @Test("a stopped reconciler loses an SSH host within the lease, and says so when it wakes")
    func stoppedHolderLosesItsLease() async throws {
        let sandbox = try LockSandbox(.ssh)
        defer { sandbox.stop() }
        let first = try sandbox.startReconcile(hostname: "pod-a", log: "pod-a")
        try #require(sandbox.waitUntilHeld(by: first.pid, process: first), "never held: \(first.log)")
        // Frozen, as a VM paused or a controller cut off without a trace:
        // alive, so the lock holds at first...
        try #require(LockSandbox.freeze(first.pid), "the reconciler did not stop")
        let early = try sandbox.reconcile(hostname: "pod-b")
        #expect(early.exitCode == 1 && early.output.contains("locked by"), "\(early.output)")
        // ...until the host has heard nothing for the lease.
        let (seconds, output) = try sandbox.reconcileUntilTaken(
            hostname: "pod-b", within: Double(SSHTransport.lockLease) + 20)
        let took = try #require(seconds, "the host stayed locked by a silent controller: \(output)")
        kill(first.pid, SIGCONT)
        first.wait(upTo: 120) { false }
        #expect(first.exitStatus == 1, "the stopped reconciler, woken: exit \(first.exitStatus ?? -1)\n\(first.log)")
        #expect(first.log.contains("was lost"), "\(first.log)")
        let settle = try sandbox.reconcile(hostname: "pod-b")
        #expect(settle.exitCode == 0, "\(settle.output)")
        SecurityWorld.report(
            "locks (ssh): a stopped reconciler's host was taken \(String(format: "%.1f", took)) s after the stop "
                + "(lease \(SSHTransport.lockLease) s); woken, it stopped with: "
                + (first.log.split(separator: "\n").first { $0.contains("was lost") }.map(String.init) ?? "?"))
    }

    @Test(
        "a reconciler whose lock was taken from under it exits 1 naming it, and does not record its generation",
        arguments: Kind.allCases)
    func lockNoLongerOurs(kind: Kind) async throws {
        let sandbox = try LockSandbox(kind)
        defer { sandbox.stop() }
        let first = try sandbox.startReconcile(hostname: "pod-a", log: "pod-a")
        try #require(sandbox.waitUntilHeld(by: first.pid, process: first), "never held: \(first.log)")
        // Mid-apply: after its first step.
        try #require(first.wait(upTo: 60) { first.log.contains(": ok ") }, "no step done: \(first.log)")
        try #require(LockSandbox.freeze(first.pid), "the reconciler did not stop")
        switch kind {
        case .local:
            // Someone removes the lock file (a cleanup script, a person):
            // the next reconciler locks a new one.
            unlink(sandbox.lockPath)
        case .ssh:
            // The session holding the lock dies on the host.
            let holders = sandbox.lockFileHolders
            try #require(!holders.isEmpty, "no process holds the lock file open")
            for pid in holders { kill(pid, SIGKILL) }
        }
        let second = try sandbox.reconcile(hostname: "pod-b")
        #expect(second.exitCode == 0, "\(second.output)")
        let generations = try await GenerationStore(transport: sandbox.transport).index().numbers
        kill(first.pid, SIGCONT)
        first.wait(upTo: 120) { false }
        #expect(first.exitStatus == 1, "exit \(first.exitStatus ?? -1):\n\(first.log)")
        let expected = kind == .local ? "while we held it" : "ended"
        #expect(first.log.contains(expected), "\(first.log)")
        // It wrote no generation after it knew: the second's stays current.
        #expect(try await GenerationStore(transport: sandbox.transport).index().numbers == generations)
        SecurityWorld.report(
            "locks (\(kind.rawValue)): a reconciler whose lock was taken reported: "
                + (first.log.split(separator: "\n").first { $0.contains(expected) }.map(String.init) ?? "?"))
    }

    @Test("an unlock of a lock whose record was rewritten is an error", arguments: Kind.allCases)
    func rewrittenRecord(kind: Kind) async throws {
        let sandbox = try LockSandbox(kind)
        defer { sandbox.stop() }
        let lock = try await sandbox.transport.lock(owner: "reconciler-a")
        let forged = HostLock(
            owner: "intruder", pid: 1, startedAt: 1, machine: "elsewhere", machineID: "m", bootID: "b",
            processStart: 1, token: "forged")
        // In place, as another writer would (same file, same flock).
        try forged.fileContent.write(toFile: sandbox.lockPath, atomically: false, encoding: .utf8)
        do {
            try await sandbox.transport.unlock(lock)
            Issue.record("an unlock of a lock whose record names someone else succeeded")
        } catch {
            #expect(error.code == .locked && error.message.contains("intruder"), "\(error)")
        }
    }
}

/// One racer of `raceForADeadHoldersLock`: this test binary run again as a
/// child process (`--filter LockRacer`), so each racer is a process of its
/// own running the real transport code. It waits for `<folder>/go`, takes
/// the lock, marks `<folder>/inside` while it holds it (finding the mark
/// already there means two holders at once), and releases it.
struct LockRacerProcess {
    static var isChild: Bool { ProcessInfo.processInfo.environment["ONIONOPS_LOCK_RACER"] != nil }

    let process: BackgroundProcess
    let notes: String

    /// What the racer noted: ready, took (or both-held), released, refused.
    var log: String { (try? String(contentsOfFile: notes, encoding: .utf8)) ?? "" }

    static func start(sandbox: LockSandbox, folder: String, number: Int) throws -> LockRacerProcess {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let notes = "\(folder)/racer-\(number).log"
        let process = try BackgroundProcess(
            "/usr/bin/env",
            [
                "ONIONOPS_LOCK_RACER=\(folder)", "ONIONOPS_LOCK_RACER_HOST=\(sandbox.childDescription)",
                "ONIONOPS_LOCK_RACER_LOG=\(notes)", binary, "--testing-library", "swift-testing", "--filter",
                "LockRacer",
            ],
            log: "\(folder)/racer-\(number).out")
        return LockRacerProcess(process: process, notes: notes)
    }
}

@Suite(
    "lock racer (a child process of the lock tests)",
    .enabled(if: LockRacerProcess.isChild, "run only as a child process of LockSecurityTests"))
struct LockRacer {
    @Test("take the lock when told, mark the time held, release")
    func race() async throws {
        let environment = ProcessInfo.processInfo.environment
        let folder = try #require(environment["ONIONOPS_LOCK_RACER"])
        let logPath = try #require(environment["ONIONOPS_LOCK_RACER_LOG"])
        let transport = try #require(
            LockSandbox.transport(fromChildDescription: environment["ONIONOPS_LOCK_RACER_HOST"] ?? ""))
        func note(_ line: String) {
            let fd = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            _ = Array((line + "\n").utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        note("ready")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: folder + "/go"), Date() < deadline { usleep(500) }
        do {
            let lock = try await transport.lock(owner: "racer-\(getpid())")
            let mark = open(folder + "/inside", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            note(mark >= 0 ? "took" : "both-held")
            // Held long enough for the other racer to ask meanwhile.
            usleep(300_000)
            if mark >= 0 {
                close(mark)
                unlink(folder + "/inside")
            }
            try await transport.unlock(lock)
            note("released")
        } catch {
            note("refused \(error.code.rawValue): \(error.message)")
        }
    }
}
