import OnionOpsCore
import OnionOpsReconcile
import OnionOpsTestSupport
import Synchronization
import Testing

/// `hostIO` events are how `reconcile --event-log` (and the fan-out bench)
/// tell which hosts are being worked on: every transport operation of
/// every host must be bracketed, and nothing may come after the host's
/// report.
@Suite("host operation events")
struct HostIOEventTests {
    @Test("each host's transport operations start and end in pairs, all before its report")
    func bracketed() async {
        let fleet = FakeFleet()
        let seen = Mutex<[ReconcileEvent]>([])
        let reconciler = Reconciler(
            options: ReconcileOptions(commit: "one", inputs: "inputs-one"),
            events: { event in seen.withLock { $0.append(event) } },
            connector: fleet.connector)
        let reports = await reconciler.apply(FakeFleet.desired(), hosts: fleet.hosts)
        #expect(reports.map(\.status) == [.applied, .applied, .applied])
        let events = seen.withLock { $0 }
        for host in ["b1", "b2", "pub"] {
            var depth = 0
            var operations = 0
            var finished = false
            for event in events {
                switch event {
                case .hostIO(host, let started):
                    #expect(!finished, "\(host): an operation after its report")
                    depth += started ? 1 : -1
                    operations += started ? 1 : 0
                    #expect(depth >= 0, "\(host): an operation ended that never started")
                case .finished(let report) where report.host == host:
                    finished = true
                default:
                    continue
                }
            }
            #expect(depth == 0, "\(host): \(depth) operations never ended")
            // Lock, observation, writes, daemon commands, record, unlock.
            #expect(operations > 5, "\(host): only \(operations) operations seen")
        }
    }
}
