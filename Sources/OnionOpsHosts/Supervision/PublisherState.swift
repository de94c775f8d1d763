/// What a publisher's Onionbalance is doing.
///
/// Offline (no consensus) Onionbalance exits about 0.3 s after start: that
/// is `cannotPublish`, a fact to report plainly, not a bad config to roll
/// back.
public enum PublisherState: Sendable, Hashable, CustomStringConvertible {
    case running(pid: Int32)
    /// It exited because its tor has no consensus; `reason` is its last
    /// words.
    case cannotPublish(reason: String)
    /// It exited for another reason (config, tor unreachable, a signal).
    case failed(reason: String)
    /// Not started, or stopped cleanly.
    case stopped

    public var description: String {
        switch self {
        case .running(let pid): "running (pid \(pid))"
        case .cannotPublish(let reason): "cannot publish: \(reason)"
        case .failed(let reason): "failed: \(reason)"
        case .stopped: "stopped"
        }
    }

    /// The message tor gives Onionbalance's first consensus request when it
    /// has none (seen offline, tor 0.4.9 + onionbalance 0.2.2).
    static let noConsensusMarker = "Could not open cached consensus"

    /// The pid an exit record (`exit <status> pid <pid>` first) is about.
    static func exitRecordPid(_ record: String) -> Int32? {
        let header = record.split(separator: "\n").first?.split(separator: " ") ?? []
        guard header.count == 4, header[0] == "exit", header[2] == "pid" else { return nil }
        return Int32(header[3])
    }

    /// Judges the state from the pid file's text, whether that pid is
    /// alive, and the exit file (`HostLayout.onionbalanceExitFile`). An exit
    /// record counts only for the pid it names: a record left by an older
    /// run says nothing about the current one.
    static func judge(pidText: String?, alive: Bool, exitRecord: String?) -> PublisherState {
        guard let pidText, let pid = Int32(pidText.split(separator: "\n").first ?? "") else { return .stopped }
        if alive { return .running(pid: pid) }
        guard let exitRecord, exitRecordPid(exitRecord) == pid else {
            return .failed(reason: "onionbalance (pid \(pid)) is not running and left no exit record")
        }
        let lines = exitRecord.split(separator: "\n").map { $0.trimmingWhitespace }
        let header = lines.first?.split(separator: " ") ?? []
        let log = lines.dropFirst().filter { !$0.isEmpty }
        if let line = log.last(where: { $0.contains(noConsensusMarker) }) {
            return .cannotPublish(reason: line)
        }
        let status = "onionbalance exited with status \(header.count > 1 ? header[1] : "?")"
        return .failed(reason: log.last.map { "\(status): \($0)" } ?? status)
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(drop(while: blank).reversed().drop(while: blank).reversed())
    }
}
