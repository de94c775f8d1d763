import Foundation
import OnionOpsCore
import OnionOpsReconcile

/// What a live reconcile display shows, kept apart from the terminal: one
/// row per host (its step now, or its result, and the time since it began)
/// and the lines that must stay on screen once the live rows go (a failed
/// step, a rollback, each host's result).
struct ProgressBoard: Sendable {
    enum Tone: Sendable, Equatable {
        case plain
        /// A host being worked on.
        case active
        case good
        case bad
        case warning
    }

    struct Row: Sendable, Equatable {
        var host: String
        var activity: String
        var started: Date
        var ended: Date?
        var tone: Tone
    }

    struct Line: Sendable, Equatable {
        var text: String
        var tone: Tone
    }

    private(set) var rows: [Row] = []

    /// Takes one event; returns the lines to print for good.
    mutating func record(_ event: ReconcileEvent, at now: Date) -> [Line] {
        switch event {
        case .planned(let host, let plan):
            update(host, at: now) {
                $0.activity = "plan: " + (plan.isEmpty ? "in sync" : plan.summary)
            }
            return []
        case .stepStarted(let host, _, let step):
            update(host, at: now) { $0.activity = "\(step)" }
            return []
        case .stepFinished(let host, let step, let failure, _):
            guard let failure else { return [] }
            update(host, at: now) {
                $0.activity = "FAILED \(step)"
                $0.tone = .bad
            }
            return [Line(text: "\(host): FAILED \(step): \(failure)", tone: .bad)]
        case .rollingBack(let host, let reason):
            update(host, at: now) {
                $0.activity = "rolling back"
                $0.tone = .warning
            }
            return [Line(text: "\(host): rolling back to the previous generation: \(reason)", tone: .warning)]
        case .finished(let report):
            var result = report.status.rawValue
            if let generation = report.generation { result += ", generation \(generation)" }
            var seconds = 0.0
            update(report.host, at: now) {
                $0.activity = result
                $0.ended = now
                $0.tone = Self.tone(of: report.status)
                seconds = now.timeIntervalSince($0.started)
            }
            // A host that came through stays on its row (the results
            // follow); one that did not gets a line that stays.
            guard Self.tone(of: report.status) != .good else { return [] }
            let notes = report.notes.map { " (\($0))" }.joined()
            let failure = report.failure.map { ": \(Self.oneLine($0))" } ?? ""
            return [
                Line(
                    text: "\(report.host): \(result) after \(Self.seconds(seconds))\(failure)\(notes)",
                    tone: Self.tone(of: report.status))
            ]
        case .hostIO:
            return []
        }
    }

    /// One line per host, `width` characters at most (a wrapped line would
    /// leave a trace when the rows are redrawn).
    func lines(at now: Date, width: Int) -> [Line] {
        let name = min(rows.map(\.host.count).max() ?? 0, 24)
        return rows.map { row in
            let elapsed = Self.seconds((row.ended ?? now).timeIntervalSince(row.started))
            let host = row.host.padding(toLength: max(name, row.host.count), withPad: " ", startingAt: 0)
            let text = "\(host)  \(elapsed.leftPadded(to: 7))  \(Self.oneLine(row.activity))"
            return Line(text: String(text.prefix(max(width - 1, 20))), tone: row.tone)
        }
    }

    static func tone(of status: HostStatus) -> Tone {
        switch status {
        case .applied, .inSync, .changesPending: return .good
        case .rolledBack: return .warning
        case .rollbackFailed, .unreachable, .error: return .bad
        }
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }

    /// A step's description on one line (a reason may hold newlines).
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private mutating func update(_ host: String, at now: Date, _ change: (inout Row) -> Void) {
        if let index = rows.firstIndex(where: { $0.host == host }) {
            change(&rows[index])
        } else {
            var row = Row(host: host, activity: "", started: now, ended: nil, tone: .active)
            change(&row)
            rows.append(row)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
