/// How `onionops watch` runs.
public struct WatchOptions: Sendable {
    /// How often the branch is polled.
    public var interval: Duration
    /// How often hosts are checked for drift.
    public var driftInterval: Duration
    /// Correct drift, not only report it.
    public var selfHeal: Bool
    /// Only these hosts (empty: all).
    public var hosts: [String]
    public var parallel: Int
    public var pruneKeys: Bool
    /// First wait after a failed reconcile; doubles up to `maxBackoff`.
    /// It holds for every wake-up (poll, trigger, webhook): only a newer
    /// revision is tried sooner.
    public var backoff: Duration
    public var maxBackoff: Duration
    /// The least time between the end of one reconcile and the start of
    /// the next, whatever asks for it: a flood of triggers coalesces and
    /// waits instead of keeping the hosts busy.
    public var minInterval: Duration

    public init(
        interval: Duration = .seconds(60),
        driftInterval: Duration = .seconds(900),
        selfHeal: Bool = false,
        hosts: [String] = [],
        parallel: Int = 10,
        pruneKeys: Bool = false,
        backoff: Duration = .seconds(10),
        maxBackoff: Duration = .seconds(600),
        minInterval: Duration = .seconds(1)
    ) {
        self.interval = interval
        self.driftInterval = driftInterval
        self.selfHeal = selfHeal
        self.hosts = hosts
        self.parallel = parallel
        self.pruneKeys = pruneKeys
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        self.minInterval = minInterval
    }
}
