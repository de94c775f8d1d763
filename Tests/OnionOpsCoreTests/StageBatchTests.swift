import OnionOpsCore
import Testing

/// Staged configs cost one round trip per phase, not one per daemon.
@Suite("staging in one batch")
struct StageBatchTests {
    @Test("a new host stages its nginx config and torrc in one step, before any daemon's check reads them")
    func oneStagePerPhase() {
        let plan = Planner().plan(PlannerTests.state(withPublisher: true), on: HostSnapshot(host: "h"))
        let program = ApplyProgram(plan)
        let stages = program.entries.filter {
            if case .stage = $0.step { return true }
            return false
        }
        #expect(stages.map(\.phase) == [.main, .publishers])
        guard case .stage(let main) = stages.first?.step else { return }
        #expect(
            Set(main.map(\.path)) == [
                HostLayout.nginxConfig(project: "news"), HostLayout.torrc(project: "news", instance: 1),
            ])
        let steps = program.entries.map(\.step.description)
        let staged = steps.firstIndex { $0.hasPrefix("stage ") } ?? steps.count
        let firstCheck = steps.firstIndex { $0.hasPrefix("nginx -t") || $0.hasPrefix("tor --verify-config") } ?? -1
        #expect(staged < firstCheck, "\(steps)")
    }
}
