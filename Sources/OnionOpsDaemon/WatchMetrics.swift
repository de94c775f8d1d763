import Foundation
public import Prometheus
import Synchronization

/// The daemon's Prometheus metrics: reconciles per host and result,
/// durations, drift per host, the applied revision, last success time, and
/// revisions refused.
public final class WatchMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let duration: DurationHistogram
    private let applied = Mutex<[String: String]>([:])

    public init() {
        duration = registry.makeDurationHistogram(
            name: "onionops_reconcile_duration_seconds",
            buckets: [
                .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
                .seconds(30), .seconds(60), .seconds(300),
            ],
            help: "Time from fetching a revision to the end of its reconcile."
        )
        registry.makeGauge(name: "onionops_up", help: "1 while the daemon runs.").set(to: 1.0)
    }

    /// `result`: applied, in-sync, rolled-back, rollback-failed, unreachable, error.
    public func reconciled(host: String, result: String) {
        registry.makeCounter(
            name: "onionops_reconciles_total", labels: [("host", host), ("result", result)],
            help: "Reconciles per host and result."
        ).increment()
        if result == "applied" || result == "in-sync" {
            registry.makeGauge(
                name: "onionops_last_success_timestamp_seconds", labels: [("host", host)],
                help: "When the host last reconciled successfully (Unix time)."
            ).set(to: Date().timeIntervalSince1970)
        }
    }

    public func took(_ seconds: Duration) { duration.record(seconds) }

    /// The revision a host runs now (one series per host set to 1; the
    /// previous revision's series goes).
    public func applied(host: String, revision: String) {
        let previous = applied.withLock { map in
            defer { map[host] = revision }
            return map[host]
        }
        if let previous, previous != revision {
            registry.unregisterGauge(
                registry.makeGauge(
                    name: "onionops_applied_revision_info", labels: [("host", host), ("revision", previous)],
                    help: "The revision each host runs (value 1)."))
        }
        registry.makeGauge(
            name: "onionops_applied_revision_info", labels: [("host", host), ("revision", revision)],
            help: "The revision each host runs (value 1)."
        ).set(to: 1.0)
    }

    public func drift(host: String, changes: Int) {
        registry.makeGauge(
            name: "onionops_drift_changes", labels: [("host", host)],
            help: "Changes the last drift check found on the host (0: none)."
        ).set(to: Double(changes))
    }

    /// A revision that was not applied: `invalid`, `unsigned`, `untrusted`,
    /// `not-descendant`, `keys`, `unavailable`.
    public func refused(reason: String) {
        registry.makeCounter(
            name: "onionops_revisions_refused_total", labels: [("reason", reason)],
            help: "Revisions not applied, by reason."
        ).increment()
    }

    /// A POST refused for want of a valid signature or token: the caller
    /// was not allowed to ask, so no revision was looked at.
    public func unauthorized(path: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "onionops", metricName: "http_unauthorized", unitName: "total",
                helpText: "POST requests refused for a bad or missing signature or token."),
            labels: [("path", path)]
        ).increment()
    }

    public func text() -> String { registry.emitToString() }
}
