import Foundation
public import Logging
public import OnionOpsEngine
import OnionOpsReconcile

/// The daemon's loop. It only drives `WatchMachine`, which decides
/// (level triggering, coalescing, the rate limit, backoff, refusals), and
/// does the one job the machine asks for at a time through the engine,
/// the same engine the CLI uses: same revision names, same inputs digest,
/// same no-op shortcut, same host selection.
public actor WatchController {
    /// The last revision every host took; its deployment is rendered on
    /// first need (a shortcut renders nothing).
    struct Good {
        var snapshot: RevisionSnapshot
        var deployment: Deployment?
    }

    public let source: any RevisionSource
    public let engine: Engine
    public let options: WatchOptions
    public let metrics: WatchMetrics
    private let logger: Logger

    private var machine: WatchMachine
    private let jobs: AsyncStream<WatchMachine.Job>
    private let queue: AsyncStream<WatchMachine.Job>.Continuation
    /// The revision fetched for the apply the machine asked for.
    private var fetched: (snapshot: RevisionSnapshot, reason: String)?
    private var good: Good?
    private var started = ContinuousClock.now
    /// One line about the last reconcile, for /healthz and the status page.
    public var lastResult: String { fleet.lastResult }
    /// What the status page shows.
    public private(set) var fleet = FleetStatus()
    /// The topology drawn by Graphviz, for the revision it was drawn from.
    private var drawing: (revision: String, svg: String?)?

    public init(
        source: any RevisionSource, engine: Engine, options: WatchOptions, metrics: WatchMetrics, logger: Logger
    ) {
        self.source = source
        self.engine = engine
        self.options = options
        self.metrics = metrics
        self.logger = logger
        machine = WatchMachine(
            minInterval: options.minInterval, backoff: options.backoff, maxBackoff: options.maxBackoff)
        (jobs, queue) = AsyncStream.makeStream(of: WatchMachine.Job.self)
        // The page refreshes as often as there is news: a drift check, at
        // most every minute, at least every 5 s.
        fleet.refreshSeconds = Int(min(max(options.driftInterval.components.seconds, 5), 60))
    }

    /// The status page, as the hosts were last read.
    public func statusPage() -> String {
        StatusPage.render(fleet, graph: drawing?.svg != nil)
    }

    /// The topology as SVG; nil until drawn, or without Graphviz.
    public func graph() -> String? { drawing?.svg }

    private var selection: HostSelection { HostSelection(options.hosts) }

    /// Reconcile as soon as the current work is done (`onionops trigger`,
    /// a webhook, a poll tick).
    public func trigger(_ reason: String) {
        handle(.wake(reason: reason))
    }

    public func checkDrift() {
        handle(.driftTick)
    }

    private func handle(_ event: WatchMachine.Event) {
        if let job = machine.handle(event, now: .now) { queue.yield(job) }
    }

    /// Runs until `stop` (graceful shutdown): the job in hand finishes first.
    public func run() async {
        let interval = options.interval
        let driftInterval = options.driftInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await self?.trigger(WatchMachine.poll)
                }
            }
            group.addTask { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: driftInterval)
                    await self?.checkDrift()
                }
            }
            handle(.wake(reason: "start"))
            for await job in jobs {
                if Task.isCancelled { break }
                await perform(job)
            }
            group.cancelAll()
        }
        logger.info("watch stopped")
    }

    /// Ends `run` (used on graceful shutdown).
    public func stop() {
        queue.finish()
    }

    private func perform(_ job: WatchMachine.Job) async {
        switch job {
        case .sleep(let until):
            try? await Task.sleep(until: until, clock: .continuous)
            handle(.timerFired)
        case .fetch(let reason):
            started = .now
            await fetch(reason)
        case .apply(let revision):
            let event = await apply(revision)
            handle(event)
            if case .failed = event, case .failed(_, _, let retryAt)? = machine.memory.tried {
                let wait = retryAt - ContinuousClock.now
                fleet.lastResult = "revision \(revision.prefix(12)) failed on some hosts; retry in \(wait)"
                logger.warning(
                    "revision \(revision.prefix(12)) failed on some hosts; next try in \(wait) or on a new revision")
            }
        case .checkDrift:
            await driftCheck()
            handle(.driftChecked)
        }
    }

    private func fetch(_ reason: String) async {
        let snapshot: RevisionSnapshot
        do {
            snapshot = try await source.latest()
        } catch {
            logger.error("cannot get a revision from \(source.description): \(error.message)")
            metrics.refused(reason: error.code.rawValue)
            if let id = error.revision, !machine.memory.refused.contains(id) {
                fleet.lastResult = "revision \(id.prefix(12)) refused: \(error.message)"
            }
            handle(.fetchFailed(refused: error.revision))
            return
        }
        fetched = (snapshot, reason)
        handle(.fetched(snapshot.id))
        if case .backingOff(let retryAt)? = machine.lastSkip, reason != WatchMachine.poll {
            logger.info(
                "\(reason): revision \(snapshot.revision.shortID) failed on its last try; next try in \(retryAt - ContinuousClock.now) or on a new revision"
            )
        }
    }

    /// The fetched revision through the engine: the shortcut when every
    /// host is as applied from these inputs, else intake, keys, render,
    /// the lineage check and the apply.
    private func apply(_ revision: String) async -> WatchMachine.Event {
        guard let (snapshot, reason) = fetched, snapshot.id == revision else { return .deferred }
        fetched = nil
        let short = snapshot.revision.shortID
        logger.info("reconciling \(short) (\(snapshot.revision.summary)) on \(reason)")
        if let inSync = await engine.unchanged(snapshot, hosts: selection, parallel: options.parallel) {
            for host in inSync {
                metrics.reconciled(host: host.host, result: HostStatus.inSync.rawValue)
                metrics.applied(host: host.host, revision: revision)
                fleet.update(host: host.host) {
                    $0.lastReconcile = FleetStatus.Reconcile(
                        at: Date(), revision: short, status: HostStatus.inSync.rawValue)
                }
            }
            logger.info(
                "\(inSync.count) hosts unchanged since their last apply from these inputs; nothing to render")
            metrics.took(ContinuousClock.now - started)
            good = Good(snapshot: snapshot, deployment: nil)
            fleet.lastResult = "revision \(short) applied (in sync)"
            await refreshStatus(snapshot)
            return .applied(revision)
        }
        let deployment: Deployment
        do {
            deployment = try await engine.deployment(snapshot, hosts: selection)
        } catch {
            return refuse(snapshot, error)
        }
        do {
            for note in try await source.checkLineage(snapshot.revision, hosts: deployment.hosts) {
                logger.warning("\(note)")
            }
        } catch {
            logger.error("\(error.message)")
            metrics.refused(reason: error.code.rawValue)
            // A host that could not be read is asked again next time; a
            // revision off the hosts' line of history is refused.
            guard error.revision != nil else { return .deferred }
            fleet.lastResult = "revision \(short) refused: \(error.message)"
            fleet.refuse(short, reason: error.message, at: Date())
            return .refused(revision)
        }
        let logger = self.logger
        let reports = await engine.apply(
            deployment, parallel: options.parallel, pruneKeys: options.pruneKeys, owner: "onionops-watch",
            events: { event in
                if case .rollingBack(let host, let why) = event { logger.warning("\(host): rolling back: \(why)") }
            })
        var healthy = true
        for report in reports {
            metrics.reconciled(host: report.host, result: report.status.rawValue)
            fleet.update(host: report.host) {
                $0.lastReconcile = FleetStatus.Reconcile(
                    at: Date(), revision: short, status: report.status.rawValue, failure: report.failure)
            }
            switch report.status {
            case .applied, .inSync:
                metrics.applied(host: report.host, revision: revision)
                logger.info("\(report.host): \(report.status.rawValue) \(short), generation \(report.generation ?? 0)")
            default:
                healthy = false
                logger.error("\(report.host): \(report.status.rawValue): \(report.failure ?? "")")
            }
        }
        metrics.took(ContinuousClock.now - started)
        guard healthy else {
            await refreshStatus(good?.snapshot ?? snapshot)
            return .failed(revision)
        }
        good = Good(snapshot: snapshot, deployment: deployment)
        fleet.lastResult = "revision \(short) applied"
        await refreshStatus(snapshot)
        return .applied(revision)
    }

    /// A revision the engine would not deploy: logged, counted, never
    /// tried again; the hosts stay on the last good revision.
    private func refuse(_ snapshot: RevisionSnapshot, _ error: EngineError) -> WatchMachine.Event {
        let short = snapshot.revision.shortID
        switch error.code {
        case .invalidManifests:
            for diagnostic in error.diagnostics { logger.error("\(diagnostic)") }
            logger.error("revision \(short) is invalid: nothing applied; hosts stay where they are")
            fleet.lastResult = "revision \(short) invalid: \(error.diagnostics.count) errors"
            fleet.refuse(
                short, reason: error.diagnostics.map { "\($0)" }.joined(separator: "\n"), at: Date())
        default:
            logger.error("revision \(short): \(error.message)")
            fleet.lastResult = "revision \(short): \(error.message)"
            fleet.refuse(short, reason: error.message, at: Date())
        }
        metrics.refused(reason: error.code.rawValue)
        return .refused(snapshot.id)
    }

    private func driftCheck() async {
        guard var good else { return }
        let deployment: Deployment
        if let rendered = good.deployment {
            deployment = rendered
        } else {
            do {
                deployment = try await engine.deployment(good.snapshot, hosts: selection)
            } catch {
                logger.error("drift check: revision \(good.snapshot.revision.shortID): \(error.message)")
                return
            }
            good.deployment = deployment
            self.good = good
        }
        // Timed from here: observing the hosts and comparing, not the
        // first rendering above (the bench reads this figure).
        let checkStarted = ContinuousClock.now
        let reports = await engine.drift(deployment, parallel: options.parallel)
        let took = ContinuousClock.now - checkStarted
        var drifted: [String] = []
        for report in reports {
            let changes =
                (report.plan?.changes.count ?? 0) + (report.plan?.daemons.count ?? 0)
                + (report.plan?.directories.count ?? 0)
            metrics.drift(host: report.host, changes: changes)
            fleet.update(host: report.host) { $0.driftChanges = changes }
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
            let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
            logger.info("drift check: no drift on \(reports.count) hosts in \(String(format: "%.3f", seconds)) s")
        } else if options.selfHeal {
            logger.info(
                "self-heal: reconciling \(drifted.joined(separator: ", ")) back to \(deployment.snapshot.revision.shortID)"
            )
            var heal = deployment
            heal.hosts = deployment.hosts.filter { drifted.contains($0.name) }
            for report in await engine.apply(heal, parallel: options.parallel, owner: "onionops-self-heal") {
                metrics.reconciled(host: report.host, result: report.status.rawValue)
                logger.info("self-heal: \(report.host): \(report.status.rawValue)")
                if report.status == .applied || report.status == .inSync {
                    metrics.drift(host: report.host, changes: 0)
                    fleet.update(host: report.host) { $0.driftChanges = 0 }
                }
            }
        }
        await refreshStatus(good.snapshot)
    }

    /// Reads every host for the status page (revision, generation, drift,
    /// daemons, each publisher's status socket) and, for a new revision,
    /// the projects and the drawing.
    private func refreshStatus(_ snapshot: RevisionSnapshot) async {
        fleet.revision = "\(snapshot.revision.shortID) (\(snapshot.revision.summary))"
        if drawing?.revision != snapshot.id, let topology = try? await engine.topology(snapshot) {
            fleet.projects = FleetStatus.Project.of(topology)
            drawing = (snapshot.id, await StatusGraph.svg(topology))
        }
        guard
            let (_, health) = try? await engine.status(
                snapshot, hosts: selection, parallel: options.parallel, publishers: true)
        else { return }
        for host in health { fleet.update(host: host.host) { $0.health = host } }
        fleet.read = Date()
    }
}
