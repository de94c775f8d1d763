import OnionOpsDaemon
import Testing

/// The metric names dashboards and alerts use, unchanged by the move to
/// swift-prometheus's descriptors.
@Suite("watch metrics")
struct WatchMetricsTests {
    @Test("every series keeps its name, labels and help")
    func names() {
        let metrics = WatchMetrics()
        metrics.reconciled(host: "edge-1", result: "applied")
        metrics.applied(host: "edge-1", revision: "r1")
        metrics.applied(host: "edge-1", revision: "r2")
        metrics.drift(host: "edge-1", changes: 3)
        metrics.refused(reason: "invalid")
        metrics.unauthorized(path: "/trigger")
        metrics.took(.milliseconds(300))
        let text = metrics.text()
        for line in [
            "onionops_up 1",
            "onionops_reconciles_total{host=\"edge-1\",result=\"applied\"} 1",
            "onionops_applied_revision_info{host=\"edge-1\",revision=\"r2\"} 1",
            "onionops_drift_changes{host=\"edge-1\"} 3",
            "onionops_revisions_refused_total{reason=\"invalid\"} 1",
            "onionops_http_unauthorized_total{path=\"/trigger\"} 1",
            "onionops_reconcile_duration_seconds_count 1",
            "# HELP onionops_reconciles_total Reconciles per host and result.",
        ] {
            #expect(text.contains(line), "\(line)\n\(text)")
        }
        #expect(text.contains("onionops_last_success_timestamp_seconds{host=\"edge-1\"}"))
        #expect(!text.contains("revision=\"r1\""), "the previous revision's series goes")
    }
}
