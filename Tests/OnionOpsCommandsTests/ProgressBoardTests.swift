import Foundation
import OnionOpsCore
import OnionOpsReconcile
import Testing

@testable import OnionOpsCommands

/// The live display's rows and lasting lines, from events, without a
/// terminal.
@Suite("reconcile's live progress board")
struct ProgressBoardTests {
    static let start = Date(timeIntervalSince1970: 1_000)

    @Test("one row per host in order of first news: its step now, then its result, and the time since it began")
    func rows() {
        var board = ProgressBoard()
        let step = ApplyStep.testNginx(project: "news", config: "/etc/onionops/projects/news/nginx.conf")
        #expect(board.record(.stepStarted(host: "edge-2", phase: .main, step: step), at: Self.start).isEmpty)
        #expect(board.record(.hostIO(host: "edge-1", started: true), at: Self.start).isEmpty)
        _ = board.record(.stepStarted(host: "edge-1", phase: .main, step: step), at: Self.start.addingTimeInterval(1))
        var applied = HostReport(host: "edge-2", status: .applied)
        applied.generation = 4
        #expect(board.record(.finished(applied), at: Self.start.addingTimeInterval(2.5)).isEmpty)

        let lines = board.lines(at: Self.start.addingTimeInterval(4), width: 200)
        #expect(
            lines.map(\.text) == [
                "edge-2    2.5 s  applied, generation 4",
                "edge-1    3.0 s  \(step)",
            ])
        #expect(lines.map(\.tone) == [.good, .active])
    }

    @Test("a failed step, a rollback and a host that did not come through leave lines that stay; rows fit the width")
    func lasting() {
        var board = ProgressBoard()
        let step = ApplyStep.testNginx(project: "news", config: "/etc/onionops/projects/news/nginx.conf")
        let failed = board.record(
            .stepFinished(host: "edge-1", step: step, failure: "nginx -t:\nemerg unknown directive", seconds: 0.2),
            at: Self.start)
        #expect(failed == [.init(text: "edge-1: FAILED \(step): nginx -t:\nemerg unknown directive", tone: .bad)])
        let rolling = board.record(.rollingBack(host: "edge-1", reason: "nginx -t failed"), at: Self.start)
        #expect(rolling.map(\.tone) == [.warning])
        var report = HostReport(host: "edge-1", status: .rolledBack, failure: "nginx -t failed\non line 3")
        report.notes = ["rolled back on attempt 2, once the host answered again"]
        let finished = board.record(.finished(report), at: Self.start.addingTimeInterval(1))
        #expect(
            finished.map(\.text) == [
                "edge-1: rolled-back after 1.0 s: nginx -t failed on line 3 "
                    + "(rolled back on attempt 2, once the host answered again)"
            ])
        let narrow = board.lines(at: Self.start.addingTimeInterval(1), width: 30)
        #expect(narrow.allSatisfy { $0.text.count <= 29 }, "\(narrow)")
        #expect(narrow.first?.tone == .warning)
    }
}
