import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `onionops reconcile` killed with SIGKILL at random points
/// while it moves two hosts between two revisions, and two of them started
/// at once on the same hosts.
@Suite(
    "crash consistency and concurrency",
    .enabled(if: RobustnessWorld.isEnabled, "set ONIONOPS_ROBUSTNESS=1 and run as root"),
    .serialized)
struct CrashConsistencyTests {
    @Test("SIGKILL at random points: every host keeps one whole generation, no torn file, the next run converges")
    func killAtRandomPoints() async throws {
        let kills = RobustnessWorld.count("ONIONOPS_CRASH_KILLS", 100)
        var random = SeededGenerator(seed: RobustnessWorld.seed("crash"))
        let sandbox = try await CrashSandbox()
        defer { sandbox.stopAll() }

        let first = try sandbox.reconcile("A")
        try #require(first.exitCode == 0, "first apply of A: \(first.stdout)\(first.stderr)")
        // The window to kill in: a whole A -> B apply, timed.
        let timed = try sandbox.reconcile("B")
        try #require(timed.exitCode == 0, "A -> B: \(timed.stdout)\(timed.stderr)")
        let back = try sandbox.reconcile("A")
        try #require(back.exitCode == 0, "B -> A: \(back.stdout)\(back.stderr)")
        var window = max(timed.seconds, back.seconds) * 1.1
        RobustnessWorld.report(
            "crash: a whole apply takes \(String(format: "%.2f", timed.seconds)) s (A->B), "
                + "\(String(format: "%.2f", back.seconds)) s (B->A); killing within \(String(format: "%.2f", window)) s"
        )

        var from = "A"
        var phases: [CrashPhase: Int] = [:]
        var killed = 0
        var finishedFirst = 0
        var reverted = 0
        var slowest = 0.0
        var trial = 0
        // The window follows the machine's pace: 1.1 times the slowest of
        // the last few whole reconciles (each trial's converging one). Timed
        // once at the start beside other suites, it stayed long after they
        // ended and 68 of 168 runs finished before their kill.
        var recent: [Double] = []
        // Until `kills` runs were killed mid-run (some finish first).
        while killed < kills, trial < kills * 2 {
            defer { trial += 1 }
            let to = from == "A" ? "B" : "A"
            let delay = Double.random(in: 0.02...window, using: &random)
            let process = try sandbox.start(to, log: sandbox.folder.path + "/trial.log")
            usleep(UInt32(delay * 1_000_000))
            if process.isRunning {
                process.kill()
                killed += 1
            } else {
                finishedFirst += 1
            }
            for host in sandbox.hosts {
                let (problems, phase) = try await sandbox.crashProblems(host: host, from: from, to: to)
                phases[phase, default: 0] += 1
                #expect(problems.isEmpty, "trial \(trial), killed after \(delay) s: \(problems)")
            }
            // The next reconcile converges, to the same revision or, as an
            // operator who reverts would, back to the one it came from
            // (then what the killed run added must go).
            let settle = Bool.random(using: &random) ? to : from
            reverted += settle == from ? 1 : 0
            let next = try sandbox.reconcile(settle)
            slowest = max(slowest, next.seconds)
            recent = Array((recent + [next.seconds]).suffix(5))
            window = max(recent.max() ?? window, 0.1) * 1.1
            try #require(
                next.exitCode == 0, "trial \(trial): the reconcile after the kill failed:\n\(next.stdout)\(next.stderr)"
            )
            for host in sandbox.hosts {
                let problems = try await sandbox.convergenceProblems(host: host, revision: settle)
                try #require(problems.isEmpty, "trial \(trial), killed after \(delay) s: \(problems)")
            }
            let status = try OnionOpsBinary.run(["status", sandbox.folders[settle] ?? ""])
            #expect(status.exitCode == 0, "trial \(trial): status after converging:\n\(status.stdout)")
            from = settle
            if (trial + 1) % 10 == 0 {
                RobustnessWorld.report(
                    "crash: \(trial + 1) trials, \(killed)/\(kills) killed mid-run; killing within "
                        + String(format: "%.2f", window) + " s")
            }
        }
        RobustnessWorld.report(
            "crash: \(trial) trials, \(killed) SIGKILLed mid-run (\(finishedFirst) finished before the kill); "
                + "host states seen after the kill: "
                + CrashPhase.allCases.map { "\($0.rawValue) \(phases[$0, default: 0])" }.joined(separator: ", ")
                + "; \(reverted) next runs went back to the old revision; slowest converging reconcile \(String(format: "%.2f", slowest)) s"
        )
        #expect(killed >= kills, "only \(killed) of \(trial) runs were killed mid-run")
        #expect(phases[.midApply, default: 0] > 0, "no kill landed mid-apply: the window is wrong")
    }

    @Test("two reconcilers at once on the same hosts: one is refused, nothing interleaves")
    func twoAtOnce() async throws {
        let rounds = RobustnessWorld.count("ONIONOPS_CONCURRENCY_ROUNDS", 20)
        let sandbox = try await CrashSandbox()
        defer { sandbox.stopAll() }
        let first = try sandbox.reconcile("A")
        try #require(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        var refused = 0
        var current = "A"
        for round in 0..<rounds {
            let one = current == "A" ? "B" : "A"
            // The other runs toward the same revision the host is on: if
            // it got in between, files would flip back.
            let other = current
            // --full: a run to the revision the hosts are on would otherwise
            // take the read-only no-op shortcut and never take a lock.
            let processes = try [
                sandbox.start(one, log: sandbox.folder.path + "/one.log", extra: ["--full"]),
                sandbox.start(other, log: sandbox.folder.path + "/other.log", extra: ["--full"]),
            ]
            for process in processes { _ = process.wait(upTo: 120) { false } }
            let codes = processes.map(\.exitStatus)
            let logs = processes.map(\.log)
            let locked = logs.map { $0.contains("locked by") }
            refused += locked.filter { $0 }.count
            // Each either applied (exit 0) or was refused by a lock (exit 1).
            for (code, log) in zip(codes, logs) {
                #expect(
                    code == 0 || (code == 1 && log.contains("locked by")), "round \(round): exit \(code ?? -1):\n\(log)"
                )
            }
            // Each host holds whole the revision its applied-commit names,
            // recorded by one reconciler.
            for host in sandbox.hosts {
                let applied = try await sandbox.transport(host).read([Generation.appliedCommitPath])[
                    Generation.appliedCommitPath
                ].map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
                let revision = try #require(applied)
                let problems = try await sandbox.convergenceProblems(host: host, revision: revision)
                #expect(problems.isEmpty, "round \(round): \(problems)")
            }
            // Converge everything to `one` for the next round.
            let settle = try sandbox.reconcile(one)
            try #require(settle.exitCode == 0, "\(settle.stdout)\(settle.stderr)")
            current = one
        }
        RobustnessWorld.report(
            "concurrency: \(rounds) rounds of two reconcilers at once; \(refused) runs refused by a host lock, "
                + "none interleaved")
        #expect(refused > 0, "the two reconcilers never met: nothing was tested")
    }
}
