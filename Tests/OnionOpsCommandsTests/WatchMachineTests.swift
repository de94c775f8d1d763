import OnionOpsDaemon
import Testing

/// `watch`'s decisions without a clock, a process or a host: each test
/// feeds events at chosen instants and checks the job asked for.
@Suite("watch state machine")
struct WatchMachineTests {
    let t0 = ContinuousClock.now

    func machine(minInterval: Duration = .zero) -> WatchMachine {
        WatchMachine(minInterval: minInterval, backoff: .seconds(10), maxBackoff: .seconds(600))
    }

    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int(seconds * 1000)) }

    /// A whole reconcile of `revision`: wake, fetch, apply, and the result.
    func reconcile(
        _ machine: inout WatchMachine, _ revision: String, on reason: String, at time: Double,
        result: WatchMachine.Event? = nil
    ) -> WatchMachine.Job? {
        #expect(machine.handle(.wake(reason: reason), now: at(time)) == .fetch(reason: reason))
        let job = machine.handle(.fetched(revision), now: at(time))
        guard job == .apply(revision: revision) else { return job }
        return machine.handle(result ?? .applied(revision), now: at(time))
    }

    @Test("level-triggered: a poll applies a new revision, skips the same one; a trigger reconciles it again")
    func levelTriggered() {
        var machine = machine()
        #expect(reconcile(&machine, "A", on: "start", at: 0) == nil)
        #expect(machine.memory.lastGood == "A")
        #expect(machine.handle(.wake(reason: WatchMachine.poll), now: at(1)) == .fetch(reason: "poll"))
        #expect(machine.handle(.fetched("A"), now: at(1)) == nil)
        #expect(machine.lastSkip == .unchanged)
        #expect(machine.state == .idle(machine.memory))
        #expect(machine.handle(.wake(reason: "trigger"), now: at(2)) == .fetch(reason: "trigger"))
        #expect(machine.handle(.fetched("A"), now: at(2)) == .apply(revision: "A"))
        #expect(machine.handle(.applied("A"), now: at(2)) == nil)
        #expect(reconcile(&machine, "B", on: WatchMachine.poll, at: 3) == nil)
        #expect(machine.memory.lastGood == "B")
    }

    @Test("wake-ups during a reconcile coalesce into one more, a trigger outranking a poll; drift waits behind it")
    func coalescing() {
        var machine = machine()
        #expect(machine.handle(.wake(reason: "start"), now: at(0)) == .fetch(reason: "start"))
        #expect(machine.handle(.fetched("A"), now: at(0)) == .apply(revision: "A"))
        for reason in [WatchMachine.poll, "trigger", "webhook", WatchMachine.poll] {
            #expect(machine.handle(.wake(reason: reason), now: at(1)) == nil)
        }
        #expect(machine.handle(.driftTick, now: at(1)) == nil)
        #expect(machine.handle(.applied("A"), now: at(2)) == .fetch(reason: "trigger"))
        // The same revision again, on a trigger: applied again, then the
        // drift check, then nothing more.
        #expect(machine.handle(.fetched("A"), now: at(2)) == .apply(revision: "A"))
        #expect(machine.handle(.applied("A"), now: at(3)) == .checkDrift)
        #expect(machine.handle(.wake(reason: WatchMachine.poll), now: at(3)) == nil)
        #expect(machine.handle(.driftChecked, now: at(4)) == .fetch(reason: "poll"))
        #expect(machine.handle(.fetched("A"), now: at(4)) == nil)
        #expect(machine.state == .idle(machine.memory))
    }

    @Test("no drift check before a revision went through")
    func driftNeedsGood() {
        var machine = machine()
        #expect(machine.handle(.driftTick, now: at(0)) == nil)
        #expect(reconcile(&machine, "A", on: "start", at: 0) == nil)
        #expect(machine.handle(.driftTick, now: at(1)) == .checkDrift)
    }

    @Test("the next reconcile starts no sooner than minInterval after the last ended")
    func rateLimit() {
        var machine = machine(minInterval: .seconds(1))
        #expect(machine.handle(.wake(reason: "start"), now: at(0)) == .fetch(reason: "start"))
        #expect(machine.handle(.fetched("A"), now: at(0)) == .apply(revision: "A"))
        #expect(machine.handle(.applied("A"), now: at(5)) == nil)
        #expect(machine.handle(.wake(reason: "trigger"), now: at(5.2)) == .sleep(until: at(6)))
        #expect(machine.handle(.wake(reason: "webhook"), now: at(5.5)) == nil, "coalesced while waiting")
        #expect(machine.handle(.timerFired, now: at(5.9)) == .sleep(until: at(6)), "an early timer waits on")
        #expect(machine.handle(.timerFired, now: at(6)) == .fetch(reason: "trigger"))
    }

    @Test("a failed revision waits out its backoff whatever wakes the loop; the backoff doubles")
    func backoff() {
        var machine = machine()
        #expect(reconcile(&machine, "A", on: "start", at: 0, result: .failed("A")) == nil)
        #expect(machine.memory.tried == .failed("A", failures: 1, retryAt: at(10)))
        for (reason, time) in [("trigger", 1.0), ("webhook", 5.0), (WatchMachine.poll, 9.9)] {
            #expect(machine.handle(.wake(reason: reason), now: at(time)) == .fetch(reason: reason))
            #expect(machine.handle(.fetched("A"), now: at(time)) == nil, "\(reason) at \(time)")
            #expect(machine.lastSkip == .backingOff(retryAt: at(10)))
        }
        #expect(reconcile(&machine, "A", on: WatchMachine.poll, at: 10, result: .failed("A")) == nil)
        #expect(machine.memory.tried == .failed("A", failures: 2, retryAt: at(30)))
        #expect(machine.wait(after: 20) == .seconds(600), "capped at maxBackoff")
        #expect(reconcile(&machine, "A", on: "trigger", at: 30) == nil)
        #expect(machine.memory.tried == .succeeded("A"))
    }

    @Test("a newer revision is taken at once, without waiting for the older one's backoff")
    func newerPreemptsBackoff() {
        var machine = machine()
        #expect(reconcile(&machine, "A", on: "start", at: 0, result: .failed("A")) == nil)
        #expect(machine.handle(.wake(reason: WatchMachine.poll), now: at(1)) == .fetch(reason: "poll"))
        #expect(machine.handle(.fetched("B"), now: at(1)) == .apply(revision: "B"))
        #expect(machine.handle(.applied("B"), now: at(2)) == nil)
        #expect(machine.memory.lastGood == "B")
    }

    @Test("a refused revision is never tried again; the hosts stay on the last good one")
    func refused() {
        var machine = machine()
        #expect(reconcile(&machine, "A", on: "start", at: 0) == nil)
        #expect(reconcile(&machine, "B", on: "trigger", at: 1, result: .refused("B")) == nil)
        for reason in ["trigger", WatchMachine.poll] {
            #expect(machine.handle(.wake(reason: reason), now: at(2)) == .fetch(reason: reason))
            #expect(machine.handle(.fetched("B"), now: at(2)) == nil)
            #expect(machine.lastSkip == .refused)
        }
        // Refused at the source (an unsigned head): not fetched as a revision.
        #expect(machine.handle(.wake(reason: "trigger"), now: at(3)) == .fetch(reason: "trigger"))
        #expect(machine.handle(.fetchFailed(refused: "C"), now: at(3)) == nil)
        #expect(machine.memory.refused == ["B", "C"])
        #expect(machine.memory.lastGood == "A")
        // A lineage check that could not read a host: asked again.
        #expect(machine.handle(.wake(reason: "trigger"), now: at(4)) == .fetch(reason: "trigger"))
        #expect(machine.handle(.fetched("D"), now: at(4)) == .apply(revision: "D"))
        #expect(machine.handle(.deferred, now: at(4)) == nil)
        #expect(reconcile(&machine, "D", on: WatchMachine.poll, at: 5) == nil)
    }

    @Test("an event that does not belong to the state changes nothing")
    func staleEvents() {
        var machine = machine()
        let before = machine
        #expect(machine.handle(.applied("A"), now: at(0)) == nil)
        #expect(machine.handle(.timerFired, now: at(0)) == nil)
        #expect(machine == before)
        #expect(machine.handle(.wake(reason: "start"), now: at(0)) == .fetch(reason: "start"))
        #expect(machine.handle(.fetched("A"), now: at(0)) == .apply(revision: "A"))
        #expect(machine.handle(.applied("B"), now: at(0)) == nil, "a result for another revision")
        #expect(machine.state == .applying(machine.memory, revision: "A", WatchMachine.Queued()))
    }
}
