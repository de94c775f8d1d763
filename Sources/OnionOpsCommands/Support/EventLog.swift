import Foundation
import OnionOpsCore
import OnionOpsReconcile
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `reconcile --event-log FILE`: every event of the run as a JSON line,
/// with its time in seconds since the run began, for tools and the
/// fan-out bench (hosts in flight).
///
/// Lines are kept in memory and written once at the end: events come from
/// every host's task at once, and a write per event would put disk I/O on
/// the cooperative pool. The file is created when the run starts, so a
/// bad path fails before any host is touched; it must not exist yet
/// (created 0600, never through a link), so the option cannot be used to
/// overwrite a file.
final class EventLog: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let lines = Mutex<[String]>([])
    private let fd: Int32
    private let path: String

    init(path: String) throws(Failure) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot create the event log \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        start = clock.now
    }

    deinit { close(fd) }

    func record(_ event: ReconcileEvent) {
        let elapsed = clock.now - start
        let at = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var fields: [String: String] = [:]
        let host: String
        let name: String
        switch event {
        case .planned(let planned, let plan):
            (host, name) = (planned, "planned")
            fields["changes"] = String(plan.changes.count)
        case .stepStarted(let started, let phase, let step):
            (host, name) = (started, "step-started")
            fields["phase"] = phase.description
            fields["step"] = step.description
        case .stepFinished(let finished, let step, let failure, _):
            (host, name) = (finished, "step-finished")
            fields["step"] = step.description
            if let failure { fields["failure"] = failure }
        case .rollingBack(let rolling, let reason):
            (host, name) = (rolling, "rolling-back")
            fields["reason"] = reason
        case .finished(let report):
            (host, name) = (report.host, "finished")
            fields["status"] = report.status.rawValue
        case .hostIO(let busy, let started):
            (host, name) = (busy, started ? "io-started" : "io-finished")
        }
        var object: [String: Any] = ["at": at, "host": host, "event": name]
        for (key, value) in fields { object[key] = value }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        let line = String(decoding: data, as: UTF8.self)
        lines.withLock { $0.append(line) }
    }

    /// Writes every line recorded so far.
    func flush() throws(Failure) {
        let text = lines.withLock { lines in
            defer { lines.removeAll() }
            return lines.map { $0 + "\n" }.joined()
        }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                throw Failure(description: "cannot write the event log \(path): \(String(cString: strerror(errno)))")
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
