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
            descriptor: Self.name(
                "reconcile_duration", "seconds", "Time from fetching a revision to the end of its reconcile."),
            buckets: [
                .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
                .seconds(30), .seconds(60), .seconds(300),
            ]
        )
        registry.makeGauge(descriptor: Self.name("up", "", "1 while the daemon runs.")).set(to: 1.0)
    }

    /// `result`: applied, in-sync, rolled-back, rollback-failed, unreachable, error.
    public func reconciled(host: String, result: String) {
        registry.makeCounter(
            descriptor: Self.name("reconciles", "total", "Reconciles per host and result."),
            labels: [("host", host), ("result", result)]
        ).increment()
        if result == "applied" || result == "in-sync" {
            registry.makeGauge(
                descriptor: Self.name(
                    "last_success_timestamp", "seconds", "When the host last reconciled successfully (Unix time)."),
                labels: [("host", host)]
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
                registry.makeGauge(descriptor: Self.appliedRevision, labels: [("host", host), ("revision", previous)]))
        }
        registry.makeGauge(descriptor: Self.appliedRevision, labels: [("host", host), ("revision", revision)])
            .set(to: 1.0)
    }

    public func drift(host: String, changes: Int) {
        registry.makeGauge(
            descriptor: Self.name("drift", "changes", "Changes the last drift check found on the host (0: none)."),
            labels: [("host", host)]
        ).set(to: Double(changes))
    }

    /// A revision that was not applied: `invalid`, `unsigned`, `untrusted`,
    /// `not-descendant`, `keys`, `unavailable`.
    public func refused(reason: String) {
        registry.makeCounter(
            descriptor: Self.name("revisions_refused", "total", "Revisions not applied, by reason."),
            labels: [("reason", reason)]
        ).increment()
    }

    /// A POST refused for want of a valid signature or token: the caller
    /// was not allowed to ask, so no revision was looked at.
    public func unauthorized(path: String) {
        registry.makeCounter(
            descriptor: Self.name(
                "http_unauthorized", "total", "POST requests refused for a bad or missing signature or token."),
            labels: [("path", path)]
        ).increment()
    }

    public func text() -> String { registry.emitToString() }

    static var appliedRevision: MetricNameDescriptor {
        name("applied_revision", "info", "The revision each host runs (value 1).")
    }

    /// `onionops_<metric>_<unit>`, as the descriptor API spells a name.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "onionops", metricName: metric, unitName: unit, helpText: help)
    }
}
