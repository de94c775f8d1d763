public import Logging
public import OnionOpsCore
import OnionOpsReconcile

/// The daemon's loop: level-triggered. Every wake-up (a poll tick, a
/// trigger, a webhook, a drift tick) sets a flag; one loop turns flags into
/// work, one reconcile at a time, so triggers that arrive during a
/// reconcile coalesce into one more, and the next one starts no sooner than
/// `minInterval` after the last ended. A revision that failed is retried
/// after a backoff, whatever wakes the loop (poll, trigger, webhook); a
/// newer revision is taken at once, without waiting for the older one's
/// backoff. A revision refused (invalid, unsigned, not descending from what
/// a host runs) is not retried: the hosts stay on the last good revision.
public actor WatchController {
    public struct Applied: Sendable {
        public var revision: Revision
        public var topology: Topology
        public var desired: DesiredState
    }

    public let source: any RevisionSource
    public let loader: RevisionLoader
    public let options: WatchOptions
    public let metrics: WatchMetrics
    private let logger: Logger

    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private var pendingReconcile: String? = "start"
    private var pendingDrift = false
    /// The last revision every host took.
    public private(set) var lastGood: Applied?
    /// The last revision tried, and whether it went through.
    public private(set) var lastTried: (id: String, succeeded: Bool)?
    private var refused: Set<String> = []
    private var failures = 0
    private var retryAt: ContinuousClock.Instant?
    /// When the last reconcile ended (the rate limit counts from there).
    private var lastEnded: ContinuousClock.Instant?
    /// One line about the last reconcile, for /healthz.
    public private(set) var lastResult = "starting"

    public init(
        source: any RevisionSource, loader: RevisionLoader, options: WatchOptions, metrics: WatchMetrics,
        logger: Logger
    ) {
        self.source = source
        self.loader = loader
        self.options = options
        self.metrics = metrics
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Reconcile as soon as the current work is done (`onionops trigger`,
    /// a webhook, a poll tick).
    public func trigger(_ reason: String) {
        if pendingReconcile == nil { pendingReconcile = reason }
        wake.yield()
    }

    public func checkDrift() {
        pendingDrift = true
        wake.yield()
    }

    /// Runs until the task is cancelled (graceful shutdown): the work in
    /// hand finishes first.
    public func run() async {
        let interval = options.interval
        let driftInterval = options.driftInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await self?.trigger("poll")
                }
            }
            group.addTask { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: driftInterval)
                    await self?.checkDrift()
                }
            }
            wake.yield()
            for await _ in wakes {
                if Task.isCancelled { break }
                await work()
            }
            group.cancelAll()
        }
        logger.info("watch stopped")
    }

    /// Ends `run` (used on graceful shutdown).
    public func stop() {
        wake.finish()
    }

    private func work() async {
        while let reason = pendingReconcile ?? (pendingDrift ? "drift" : nil) {
            if reason == "drift" && pendingReconcile == nil {
                pendingDrift = false
                await driftCheck()
            } else {
                // The rate limit: triggers that come meanwhile coalesce
                // into this one.
                if let lastEnded, ContinuousClock.now < lastEnded + options.minInterval {
                    try? await Task.sleep(until: lastEnded + options.minInterval, clock: .continuous)
                    if Task.isCancelled { return }
                }
                let reason = pendingReconcile ?? reason
                pendingReconcile = nil
                await reconcile(reason: reason)
                lastEnded = .now
            }
        }
    }

    private func reconcile(reason: String) async {
        let started = ContinuousClock.now
        let revision: Revision
        do {
            revision = try await source.latest()
        } catch {
            logger.error("cannot get a revision from \(source.description): \(error.message)")
            metrics.refused(reason: error.code.rawValue)
            if let id = error.revision, !refused.contains(id) {
                refused.insert(id)
                lastResult = "revision \(id.prefix(12)) refused: \(error.message)"
            }
            return
        }
        if refused.contains(revision.id) { return }
        if let tried = lastTried, tried.id == revision.id {
            // Nothing new on a poll: only a trigger reconciles the same
            // revision again. A failed one waits out its backoff whatever
            // asked: a burst of triggers must not turn into a burst of
            // apply-and-rollback cycles.
            if reason == "poll" && tried.succeeded { return }
            if !tried.succeeded, let retryAt, ContinuousClock.now < retryAt {
                if reason != "poll" {
                    logger.info(
                        "\(reason): revision \(revision.shortID) failed on its last try; next try in \(retryAt - ContinuousClock.now) or on a new revision"
                    )
                }
                return
            }
        }
        logger.info("reconciling \(revision.shortID) (\(revision.summary)) on \(reason)")
        switch await loader.load(revision) {
        case .invalid(let diagnostics):
            for diagnostic in diagnostics { logger.error("\(diagnostic)") }
            logger.error("revision \(revision.shortID) is invalid: nothing applied; hosts stay where they are")
            metrics.refused(reason: "invalid")
            refused.insert(revision.id)
            lastResult = "revision \(revision.shortID) invalid: \(diagnostics.count) errors"
        case .keysUnavailable(let message):
            logger.error("revision \(revision.shortID): \(message)")
            metrics.refused(reason: "keys")
            refused.insert(revision.id)
            lastResult = "revision \(revision.shortID): \(message)"
        case .ready(let topology, let desired):
            let hosts = topology.hosts.filter { options.hosts.isEmpty || options.hosts.contains($0.name) }
            do {
                for note in try await source.checkLineage(revision, hosts: hosts) { logger.warning("\(note)") }
            } catch {
                logger.error("\(error.message)")
                metrics.refused(reason: error.code.rawValue)
                // A host that could not be read is asked again next time;
                // a revision off the hosts' line of history is refused.
                if error.revision != nil {
                    refused.insert(revision.id)
                    lastResult = "revision \(revision.shortID) refused: \(error.message)"
                }
                return
            }
            let logger = self.logger
            let reconciler = Reconciler(
                options: ReconcileOptions(
                    parallel: options.parallel, pruneKeys: options.pruneKeys, commit: revision.id,
                    owner: "onionops-watch"),
                events: { event in
                    if case .rollingBack(let host, let why) = event { logger.warning("\(host): rolling back: \(why)") }
                }
            )
            let reports = await reconciler.apply(desired, hosts: hosts)
            var healthy = true
            for report in reports {
                metrics.reconciled(host: report.host, result: report.status.rawValue)
                switch report.status {
                case .applied, .inSync:
                    metrics.applied(host: report.host, revision: revision.id)
                    logger.info(
                        "\(report.host): \(report.status.rawValue) \(revision.shortID), generation \(report.generation ?? 0)"
                    )
                default:
                    healthy = false
                    logger.error("\(report.host): \(report.status.rawValue): \(report.failure ?? "")")
                }
            }
            metrics.took(ContinuousClock.now - started)
            lastTried = (revision.id, healthy)
            if healthy {
                lastGood = Applied(revision: revision, topology: topology, desired: desired)
                failures = 0
                retryAt = nil
                lastResult = "revision \(revision.shortID) applied"
            } else {
                failures += 1
                let wait = min(options.backoff * (1 << min(failures - 1, 16)), options.maxBackoff)
                retryAt = ContinuousClock.now + wait
                lastResult = "revision \(revision.shortID) failed on some hosts; retry in \(wait)"
                logger.warning(
                    "revision \(revision.shortID) failed on some hosts; next try in \(wait) or on a new revision")
            }
        }
    }

    private func driftCheck() async {
        guard let good = lastGood else { return }
        let hosts = good.topology.hosts.filter { options.hosts.isEmpty || options.hosts.contains($0.name) }
        let reconciler = Reconciler(
            options: ReconcileOptions(parallel: options.parallel, commit: good.revision.id, owner: "onionops-drift"))
        let reports = await reconciler.plan(good.desired, hosts: hosts)
        var drifted: [String] = []
        for report in reports {
            let changes =
                (report.plan?.changes.count ?? 0) + (report.plan?.daemons.count ?? 0)
                + (report.plan?.directories.count ?? 0)
            metrics.drift(host: report.host, changes: changes)
            if report.status == .unreachable || report.status == .error {
                logger.error("drift check: \(report.host): \(report.failure ?? report.status.rawValue)")
            } else if changes > 0, let plan = report.plan {
                drifted.append(report.host)
                let files = plan.changes.map { "\($0.kind.rawValue) \($0.path)" }
                let daemons = plan.daemons.map { "\($0.value.rawValue) \($0.key)" }.sorted()
                logger.warning("drift on \(report.host): \((files + daemons).joined(separator: "; "))")
            }
        }
        if drifted.isEmpty {
            logger.info("drift check: no drift on \(reports.count) hosts")
        } else if options.selfHeal {
            logger.info("self-heal: reconciling \(drifted.joined(separator: ", ")) back to \(good.revision.shortID)")
            let healer = Reconciler(
                options: ReconcileOptions(
                    parallel: options.parallel, commit: good.revision.id, owner: "onionops-self-heal"))
            for report in await healer.apply(good.desired, hosts: hosts.filter { drifted.contains($0.name) }) {
                metrics.reconciled(host: report.host, result: report.status.rawValue)
                logger.info("self-heal: \(report.host): \(report.status.rawValue)")
                if report.status == .applied || report.status == .inSync {
                    metrics.drift(host: report.host, changes: 0)
                }
            }
        }
    }
}
