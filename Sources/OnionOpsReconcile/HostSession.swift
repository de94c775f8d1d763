import Foundation
import OnionOpsCore
import OnionOpsHosts

/// One host during a reconcile: its connection, lock, snapshot, plan and
/// the state machine applying it.
struct HostSession: Sendable {
    let host: OnionOpsCore.Host
    let desired: HostDesiredState
    let transport: any HostTransport
    let supervisor: any DaemonSupervisor
    let applier: HostApplier
    var snapshot: HostSnapshot
    var plan: HostPlan
    var machine: ApplyMachine
    var lock: HostLock?
    /// The session stopped because its lock was gone (already reported).
    var lockLost = false
    /// A lock lost and not yet taken again (its owner, and why): until it
    /// is, nothing runs on the host, the rollback included.
    var lostLock: (owner: String, reason: String)?
    /// The pending record this session wrote, to tell after losing the
    /// lock whether anyone acted on the host meanwhile.
    var pendingRecord: [UInt8]?
    /// Between the rollback's attempts on a host that stopped answering.
    let rollbackPauses: [Duration]
    var report: HostReport

    /// A session, or the report of a host that could not be planned.
    enum Opening: Sendable {
        case success(HostSession)
        case failure(HostReport)
    }

    var isHealthy: Bool { report.status != .rolledBack && report.status != .rollbackFailed && report.status != .error }

    /// Connects, locks (unless only planning), clears temp files a killed
    /// writer left, reads the snapshot and plans.
    static func open(
        host: OnionOpsCore.Host,
        desired: HostDesiredState,
        options: ReconcileOptions,
        dryRun: Bool,
        connector: any HostConnecting = .system
    ) async -> HostSession.Opening {
        let transport = connector.transport(for: host)
        var lock: HostLock?
        do throws(HostError) {
            let supervisor = try await connector.supervisor(for: host, transport: transport)
            if !dryRun {
                lock = try await transport.lock(owner: options.owner)
                try await transport.sweepTemporaryFiles(root: host.connection.root)
            }
            let snapshot = try await SnapshotReader(transport: transport, supervisor: supervisor).read(desired)
            if !dryRun {
                // Before any daemon is started, tested or signalled: the
                // binaries (and users) of every daemon this session may run,
                // the previous generation's too, which a rollback restarts.
                try await BinaryTrust.check(
                    desired.instances + (snapshot.current?.state.instances ?? [])
                        + (snapshot.interrupted?.state.instances ?? []),
                    on: host, through: transport)
            }
            let plan = Planner(pruneKeys: options.pruneKeys).plan(desired, on: snapshot)
            if let lost = lock?.handle?.lossReason() {
                // Lost while reading the host (stopped for longer than the
                // lease): write nothing, not even the pending record.
                throw HostError(host: host.name, code: .locked, message: lost)
            }
            var pendingRecord: [UInt8]?
            if !dryRun, !plan.isEmpty {
                // Before the first change: a reconciler killed from here on
                // leaves this record, and the next one keeps what this apply
                // may have put on the host in its inventory.
                let pending = Generation(
                    number: 0, commit: options.commit,
                    state: desired.merged(with: snapshot.interrupted?.state ?? desired))
                try await transport.apply([pending.pendingOperation])
                pendingRecord = Array(pending.manifest.utf8)
            }
            var report = HostReport(host: host.name, status: plan.isEmpty ? .inSync : .changesPending, plan: plan)
            report.generation = snapshot.current?.number
            report.previousCommit = snapshot.current?.commit
            return .success(
                HostSession(
                    host: host,
                    desired: desired,
                    transport: transport,
                    supervisor: supervisor,
                    applier: HostApplier(
                        transport: transport, host: host, supervisor: supervisor, hooks: options.hooks),
                    snapshot: snapshot,
                    plan: plan,
                    machine: ApplyMachine(program: ApplyProgram(plan)),
                    lock: lock,
                    pendingRecord: pendingRecord,
                    rollbackPauses: options.rollbackPauses,
                    report: report
                )
            )
        } catch {
            let status: HostStatus = error.code == .unreachable ? .unreachable : .error
            var failure = error.description
            if let lock {
                do throws(HostError) {
                    try await transport.unlock(lock)
                } catch let unlockError where unlockError.message != error.message {
                    failure += "; and the host lock: \(unlockError.description)"
                } catch {
                    // The same loss, already said.
                }
            }
            return .failure(HostReport(host: host.name, status: status, failure: failure))
        }
    }

    /// Old contents of the changed files a dry run shows as diffs (secrets
    /// are shown as hashes and never read).
    mutating func readOldContents() async {
        let paths = plan.changes.filter { !$0.isSecret && $0.oldSHA256 != nil }.map(\.path)
        guard !paths.isEmpty else { return }
        report.oldContents = (try? await transport.read(paths)) ?? [:]
    }

    /// Runs this host's steps of `phase`. A failed step is reported, not
    /// rolled back here: the fleet machine queues the rollback.
    mutating func run(_ phase: ApplyPhase, events: @Sendable (ReconcileEvent) -> Void) async -> FleetMachine.Outcome {
        guard isHealthy else { return .stopped(report.failure ?? "\(host.name) is out of this run") }
        var machine = self.machine
        let result = await steps(of: phase, in: &machine, through: applier, rollback: false, events: events)
        self.machine = machine
        return result.outcome
    }

    /// Runs the steps of `phase` that `machine` hands out, holding the lock
    /// before each (unless rolling back: `rollBack` holds it), and says
    /// whether a failure came from an unreachable host.
    private mutating func steps(
        of phase: ApplyPhase, in machine: inout ApplyMachine, through applier: HostApplier, rollback: Bool,
        events: @Sendable (ReconcileEvent) -> Void
    ) async -> (outcome: FleetMachine.Outcome, unreachable: Bool) {
        while let step = machine.next(in: phase) {
            if !rollback, let lost = await ensureLock() {
                stop(before: step.description, lost.reason)
                return (.stopped(lost.reason), lost.unreachable)
            }
            events(.stepStarted(host: host.name, phase: phase, step: step))
            let started = Date()
            do {
                try await applier.run(step)
                machine.succeeded()
                report.steps.append((rollback ? "rollback: " : "") + step.description)
                if !rollback {
                    events(.stepFinished(host: host.name, step: step, failure: nil, seconds: Date().since(started)))
                }
            } catch {
                machine.failed(error.message)
                if !rollback {
                    events(
                        .stepFinished(
                            host: host.name, step: step, failure: error.message, seconds: Date().since(started)))
                }
                return (.failed(error.description), error.unreachable)
            }
        }
        return (.succeeded, false)
    }

    /// Puts the host back on its previous generation, the same safe way a
    /// change goes on: plan from what the host has now back to the
    /// previous state (everything this apply wrote counts as inventory,
    /// so what it added goes), then run that plan through a fleet machine
    /// of this one host.
    mutating func rollBack(reason: String, events: @Sendable (ReconcileEvent) -> Void) async
        -> FleetMachine.Outcome
    {
        report.failure = reason
        events(.rollingBack(host: host.name, reason: reason))
        // A connection that dropped mid-apply often comes back: try the
        // rollback again for a while (`rollbackPauses`) before leaving the
        // host to a person.
        var attempts = 0
        while true {
            attempts += 1
            // Each attempt says only its own outcome: one that goes through
            // after the host came back does not keep an earlier "failed".
            report.failure = reason
            let unreachable: Bool
            if let lost = await ensureLock() {
                // A dropped connection takes the lock's holder on the host
                // with it: the rollback waits for the host like any step,
                // but never runs without the lock.
                guard lost.unreachable else {
                    stop(before: "the rollback", lost.reason)
                    return .stopped(lost.reason)
                }
                report.status = .rollbackFailed
                report.failure = reason + "; rollback failed: \(lost.reason)"
                unreachable = true
            } else {
                unreachable = await rollBackOnce(reason: reason, events: events)
            }
            guard report.status == .rollbackFailed, unreachable, attempts <= rollbackPauses.count else { break }
            let pause = rollbackPauses[attempts - 1]
            events(
                .rollingBack(
                    host: host.name, reason: "host unreachable; retrying the rollback in \(pause.components.seconds) s")
            )
            try? await Task.sleep(for: pause)
        }
        if report.status == .rolledBack, attempts > 1 {
            report.notes.append("rolled back on attempt \(attempts), once the host answered again")
        }
        switch report.status {
        case .rolledBack: return .succeeded
        case .rollbackFailed: return .failed(report.failure ?? reason)
        default: return .stopped(report.failure ?? reason)
        }
    }

    /// Returns whether it failed because the host could not be reached.
    private mutating func rollBackOnce(reason: String, events: @Sendable (ReconcileEvent) -> Void) async -> Bool {
        let previous =
            snapshot.current?.state
            ?? HostDesiredState(host: host.name, root: host.connection.root, instances: [], directories: [], files: [])
        var undo = previous.merged(with: desired)
        if let interrupted = snapshot.interrupted { undo = undo.merged(with: interrupted.state) }
        let inventory = Generation(number: 0, commit: "", state: undo)
        let plain = HostApplier(transport: transport, host: host, supervisor: supervisor)
        do throws(HostError) {
            // Staged copies of this apply go first; they are not in any
            // inventory.
            try await transport.apply(
                ApplyProgram.gatedPaths(of: desired).map { .remove(path: ApplyStep.stagedPath($0)) })
            let now = try await SnapshotReader(transport: transport, supervisor: supervisor)
                .read(previous, inventory: inventory)
            let program = ApplyProgram(Planner().plan(previous, on: now))
            var fleet = FleetMachine(members: [FleetMachine.Member(program: program)], policy: .rollback)
            var machine = ApplyMachine(program: program)
            var unreachable = false
            while let task = fleet.next() {
                guard case .run(_, let phase) = task else {
                    fleet.finished(task, .succeeded)
                    continue
                }
                let result = await steps(of: phase, in: &machine, through: plain, rollback: true, events: events)
                unreachable = unreachable || result.unreachable
                fleet.finished(task, result.outcome)
            }
            if case .failed(let why) = fleet.states[host.name] {
                report.status = .rollbackFailed
                report.failure = reason + "; rollback failed at \(why)"
                return unreachable
            }
            // Back on the previous generation whole: nothing pending.
            try await transport.apply([.remove(path: Generation.pendingPath)])
            report.status = .rolledBack
            return false
        } catch {
            report.status = .rollbackFailed
            report.failure = reason + "; rollback failed: \(error)"
            return error.code == .unreachable
        }
    }

    /// Records the applied state as the next generation; with
    /// `pruneKeys`, keys that left the host leave every stored generation
    /// too.
    mutating func record(commit: String, keep: Int, inputs: String?, pruneKeys: Bool = false) async
        -> FleetMachine.Outcome
    {
        guard isHealthy else { return .stopped(report.failure ?? "\(host.name) is out of this run") }
        if let lost = await ensureLock() {
            stop(before: "recording the generation", lost.reason)
            return .stopped(lost.reason)
        }
        if pruneKeys {
            let wanted = Set(desired.files.filter(\.isSecret).map(\.path))
            do {
                let pruned = try await GenerationStore(transport: transport, keep: keep).pruneSecrets(keeping: wanted)
                if !pruned.isEmpty {
                    report.notes.append("pruned \(pruned.count) key file(s) from the stored generations")
                }
            } catch {
                report.notes.append("keys could not be pruned from the stored generations: \(error)")
                report.status = .error
            }
        }
        // New inputs are recorded too (a new binary, a key file re-sealed),
        // so the next run can tell that nothing changed without rendering.
        let changed =
            !plan.isEmpty || snapshot.current?.commit != commit || snapshot.interrupted != nil
            || (inputs != nil && snapshot.current?.inputs != inputs)
        if changed {
            do {
                let generation = try await GenerationStore(transport: transport, keep: keep).record(
                    desired, commit: commit, inputs: inputs)
                report.generation = generation.number
            } catch {
                // The host runs the new state, but a rollback would not find
                // it: say so rather than hide it.
                report.notes.append("the new generation could not be recorded: \(error)")
            }
        }
        if report.status == .changesPending { report.status = plan.isEmpty ? .inSync : .applied }
        return .succeeded
    }

    /// Holds the host lock, taking it again if it was lost (a dropped SSH
    /// connection takes the lock's holder on the host with it) but only if
    /// the host is free and nobody acted on it meanwhile: its current
    /// generation and pending record are still as this session left them.
    /// nil when the lock is held; else why not, and whether the host could
    /// not be reached (worth waiting for).
    private mutating func ensureLock() async -> (reason: String, unreachable: Bool)? {
        if let held = lock {
            guard let lost = held.handle?.lossReason() else { return nil }
            // The dead session's own error is the loss itself, said below.
            try? await transport.unlock(held)
            lock = nil
            lostLock = (held.owner, lost)
        }
        // No lock and none lost: a dry run, which changes nothing.
        guard let missing = lostLock else { return nil }
        let (owner, lost) = (missing.owner, missing.reason)
        do throws(HostError) {
            let again = try await transport.lock(owner: owner)
            let untouched: Bool
            do throws(HostError) {
                let current = try await GenerationStore(transport: transport).index().current
                let pending = try await transport.read([Generation.pendingPath])[Generation.pendingPath]
                // No record of ours when the plan was empty: then only the
                // generation tells.
                untouched = current == snapshot.current?.number && (pendingRecord == nil || pending == pendingRecord)
            } catch {
                try? await transport.unlock(again)
                throw error
            }
            guard untouched else {
                var reason = "\(lost), and one has: the host changed since this run read it"
                do throws(HostError) {
                    try await transport.unlock(again)
                } catch {
                    reason += "; and the lock taken to check it: \(error.message)"
                }
                return (reason, false)
            }
            lock = again
            lostLock = nil
            report.notes.append(
                "the host lock was lost (\(lost)) and taken again; nobody had acted on the host meanwhile")
            return nil
        } catch {
            return ("\(lost); it could not be taken again: \(error.message)", error.code == .unreachable)
        }
    }

    /// A session without its host lock stops: another reconciler may hold
    /// the host, so it neither goes on nor rolls back. The pending record
    /// makes the next reconcile finish or undo this apply.
    private mutating func stop(before what: String, _ reason: String) {
        report.status = .error
        report.failure = [report.failure, "\(host.name): stopped before \(what): \(reason) [host-locked]"]
            .compactMap { $0 }.joined(separator: "; ")
        lockLost = true
    }

    /// Releases the host lock. A lock that was not ours to the end is an
    /// error for the host (a person must look: another reconciler may have
    /// acted meanwhile), said after what the apply itself did.
    mutating func close() async {
        guard let held = lock else { return }
        lock = nil
        do throws(HostError) {
            try await transport.unlock(held)
        } catch {
            // Already reported when the session stopped for it.
            guard !lockLost else { return }
            let outcome = report.status
            if outcome != .rollbackFailed { report.status = .error }
            report.failure = [
                report.failure,
                "\(host.name): this run's outcome was \(outcome.rawValue), but \(error.message) [\(error.code.rawValue)]",
            ].compactMap { $0 }.joined(separator: "; ")
        }
    }
}

extension Date {
    fileprivate func since(_ start: Date) -> Double { timeIntervalSince(start) }
}
