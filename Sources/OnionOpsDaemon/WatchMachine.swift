/// The `watch` loop's decisions as a pure state machine: no clock, no I/O.
/// `WatchController` feeds it what happened (a wake-up, a fetched revision,
/// how an apply went, a timer) with the time, and performs the one job it
/// asks for at a time.
///
/// - Level-triggered: every wake-up (poll, trigger, webhook) only asks for
///   "reconcile to the newest revision"; what to do is decided on the
///   revision fetched, not on the wake-up.
/// - One job at a time: wake-ups while one runs coalesce into one more
///   reconcile (a trigger's reason outranks a poll's), and a drift check
///   waits behind it.
/// - A reconcile starts no sooner than `minInterval` after the last ended.
/// - A revision that failed waits out a backoff (doubling up to
///   `maxBackoff`) whatever wakes the loop; a newer revision is taken at
///   once. A refused revision (invalid, unsigned, off the hosts' line of
///   history, naming an unknown host) is never tried again.
public struct WatchMachine: Sendable, Equatable {
    public typealias Instant = ContinuousClock.Instant

    /// What the loop remembers between jobs.
    public struct Memory: Sendable, Equatable {
        /// The last revision every host took.
        public var lastGood: String?
        public var tried: Tried?
        public var refused: Set<String> = []
        /// When the last reconcile ended (the rate limit counts from there).
        public var lastEnded: Instant?

        public init() {}
    }

    public enum Tried: Sendable, Equatable {
        case succeeded(String)
        /// `failures` in a row; no retry of `revision` before `retryAt`.
        case failed(String, failures: Int, retryAt: Instant)
    }

    /// Wake-ups that came while a job ran.
    public struct Queued: Sendable, Equatable {
        public var reconcile: String?
        public var drift = false

        public init(reconcile: String? = nil, drift: Bool = false) {
            self.reconcile = reconcile
            self.drift = drift
        }

        /// A poll only looks for a new revision; a trigger or webhook also
        /// asks to reconcile the same one again, so it wins the coalescing.
        mutating func add(_ reason: String) {
            if reconcile == nil || reconcile == WatchMachine.poll { reconcile = reason }
        }
    }

    public enum State: Sendable, Equatable {
        case idle(Memory)
        /// A reconcile was asked for; it waits out the rate limit.
        case waiting(Memory, until: Instant, Queued)
        /// Fetching the newest revision for a reconcile asked for by `reason`.
        case fetching(Memory, reason: String, Queued)
        case applying(Memory, revision: String, Queued)
        case checkingDrift(Memory, Queued)
    }

    /// What the controller does next; at most one at a time.
    public enum Job: Sendable, Equatable {
        case sleep(until: Instant)
        case fetch(reason: String)
        case apply(revision: String)
        case checkDrift
    }

    public enum Event: Sendable, Equatable {
        /// A poll tick, `onionops trigger`, a webhook, the start.
        case wake(reason: String)
        case driftTick
        case timerFired
        /// The newest revision's id.
        case fetched(String)
        /// No revision could be had; `refused` names one that never will
        /// be tried (unsigned, untrusted).
        case fetchFailed(refused: String?)
        case applied(String)
        case failed(String)
        /// Refused for good (invalid, keys, unknown host, not descending).
        case refused(String)
        /// Not tried after all (a host could not be read for the lineage
        /// check): asked again next time.
        case deferred
        case driftChecked
    }

    /// Why a fetched revision is not applied, for the log.
    public enum Skip: Sendable, Equatable {
        case refused
        /// Applied already and a poll found nothing new.
        case unchanged
        /// Failed last time; not before `retryAt`.
        case backingOff(retryAt: Instant)
    }

    public static let poll = "poll"

    public var minInterval: Duration
    public var backoff: Duration
    public var maxBackoff: Duration
    public private(set) var state: State
    /// Why the last fetched revision was skipped (nil: it was applied).
    public private(set) var lastSkip: Skip?

    public init(minInterval: Duration, backoff: Duration, maxBackoff: Duration) {
        self.minInterval = minInterval
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        state = .idle(Memory())
    }

    public var memory: Memory {
        switch state {
        case .idle(let memory), .waiting(let memory, _, _), .fetching(let memory, _, _),
            .applying(let memory, _, _), .checkingDrift(let memory, _):
            return memory
        }
    }

    /// Takes `event` at `now`; returns the job to start, if any.
    public mutating func handle(_ event: Event, now: Instant) -> Job? {
        switch (state, event) {
        case (.idle(let memory), .wake(let reason)):
            return next(memory, Queued(reconcile: reason), now: now)
        case (.idle(let memory), .driftTick):
            return next(memory, Queued(drift: true), now: now)

        case (.waiting(let memory, let until, var queued), .wake(let reason)):
            queued.add(reason)
            state = .waiting(memory, until: until, queued)
        case (.fetching(let memory, let why, var queued), .wake(let reason)):
            queued.add(reason)
            state = .fetching(memory, reason: why, queued)
        case (.applying(let memory, let revision, var queued), .wake(let reason)):
            queued.add(reason)
            state = .applying(memory, revision: revision, queued)
        case (.checkingDrift(let memory, var queued), .wake(let reason)):
            queued.add(reason)
            state = .checkingDrift(memory, queued)

        case (.waiting(let memory, let until, var queued), .driftTick):
            queued.drift = true
            state = .waiting(memory, until: until, queued)
        case (.fetching(let memory, let why, var queued), .driftTick):
            queued.drift = true
            state = .fetching(memory, reason: why, queued)
        case (.applying(let memory, let revision, var queued), .driftTick):
            queued.drift = true
            state = .applying(memory, revision: revision, queued)
        case (.checkingDrift, .driftTick):
            break

        case (.waiting(let memory, let until, let queued), .timerFired):
            guard now >= until, let reason = queued.reconcile else { return .sleep(until: until) }
            state = .fetching(memory, reason: reason, Queued(drift: queued.drift))
            return .fetch(reason: reason)

        case (.fetching(var memory, let reason, let queued), .fetched(let revision)):
            if let skip = skip(revision, reason: reason, memory: memory, now: now) {
                lastSkip = skip
                memory.lastEnded = now
                return next(memory, queued, now: now)
            }
            lastSkip = nil
            state = .applying(memory, revision: revision, queued)
            return .apply(revision: revision)
        case (.fetching(var memory, _, let queued), .fetchFailed(let refused)):
            if let refused { memory.refused.insert(refused) }
            memory.lastEnded = now
            return next(memory, queued, now: now)

        case (.applying(var memory, let revision, let queued), .applied(let applied)) where applied == revision:
            memory.tried = .succeeded(revision)
            memory.lastGood = revision
            memory.lastEnded = now
            return next(memory, queued, now: now)
        case (.applying(var memory, let revision, let queued), .failed(let failed)) where failed == revision:
            var failures = 1
            if case .failed(_, let before, _) = memory.tried { failures = before + 1 }
            memory.tried = .failed(revision, failures: failures, retryAt: now + wait(after: failures))
            memory.lastEnded = now
            return next(memory, queued, now: now)
        case (.applying(var memory, let revision, let queued), .refused(let refused)) where refused == revision:
            memory.refused.insert(revision)
            memory.lastEnded = now
            return next(memory, queued, now: now)
        case (.applying(var memory, _, let queued), .deferred):
            memory.lastEnded = now
            return next(memory, queued, now: now)

        case (.checkingDrift(let memory, let queued), .driftChecked):
            return next(memory, Queued(reconcile: queued.reconcile), now: now)

        default:
            // An event that does not belong to the state (a stale timer, a
            // result for another job): nothing changes.
            break
        }
        return nil
    }

    /// The backoff after `failures` failures in a row.
    public func wait(after failures: Int) -> Duration {
        min(backoff * (1 << min(max(failures, 1) - 1, 16)), maxBackoff)
    }

    /// Why `revision`, fetched on `reason`, is not applied, or nil.
    func skip(_ revision: String, reason: String, memory: Memory, now: Instant) -> Skip? {
        if memory.refused.contains(revision) { return .refused }
        switch memory.tried {
        case .succeeded(let id) where id == revision && reason == Self.poll:
            return .unchanged
        case .failed(let id, _, let retryAt) where id == revision && now < retryAt:
            // Whatever asked: a burst of triggers must not turn into a
            // burst of apply-and-rollback cycles.
            return .backingOff(retryAt: retryAt)
        default:
            return nil
        }
    }

    /// The next job from what is queued: a reconcile first (after the rate
    /// limit), then a drift check once there is a good revision to check.
    private mutating func next(_ memory: Memory, _ queued: Queued, now: Instant) -> Job? {
        if let reason = queued.reconcile {
            if let lastEnded = memory.lastEnded, now < lastEnded + minInterval {
                state = .waiting(memory, until: lastEnded + minInterval, queued)
                return .sleep(until: lastEnded + minInterval)
            }
            state = .fetching(memory, reason: reason, Queued(drift: queued.drift))
            return .fetch(reason: reason)
        }
        if queued.drift, memory.lastGood != nil {
            state = .checkingDrift(memory, Queued())
            return .checkDrift
        }
        state = .idle(memory)
        return nil
    }
}
