import Foundation
import OnionOpsTestSupport

/// SSH commands run on each host between two points, from sshd's own log:
/// at LogLevel DEBUG1 it writes one "request exec" line per command,
/// whether it came on a new connection or a shared one.
struct SSHExecCount {
    let hosts: [SSHTestHost]
    let before: [Int]

    init(_ hosts: [SSHTestHost]) {
        self.hosts = hosts
        before = hosts.map(Self.count)
    }

    /// The mean number of commands per host since `init`.
    func perHost() -> Double {
        let after = hosts.map(Self.count)
        let total = zip(after, before).map { $0 - $1 }.reduce(0, +)
        return Double(total) / Double(max(hosts.count, 1))
    }

    static func count(_ host: SSHTestHost) -> Int {
        guard let log = try? String(contentsOfFile: host.logPath, encoding: .utf8) else { return 0 }
        return log.components(separatedBy: "request exec").count - 1
    }
}

/// Hosts in flight during an apply, from the reconciler's own events
/// (`reconcile --event-log`): a host is in flight while a command or file
/// batch of its is running. Peak, and the mean over the time from the
/// first start to the last end.
struct InFlight {
    var peak: Int
    var mean: Double

    /// nil when the log is missing or has no host work in it.
    init?(eventLog path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        struct Line: Decodable {
            var at: Double
            var host: String
            var event: String
        }
        // (time, +1 start / -1 end), per host counted once however many
        // of its operations overlap.
        var marks: [(Double, String, Bool)] = []
        for line in text.split(separator: "\n") {
            guard let event = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)) else { continue }
            switch event.event {
            case "io-started": marks.append((event.at, event.host, true))
            case "io-finished": marks.append((event.at, event.host, false))
            default: continue
            }
        }
        guard let first = marks.map(\.0).min(), let last = marks.map(\.0).max(), last > first else { return nil }
        marks.sort { $0.0 < $1.0 || ($0.0 == $1.0 && !$0.2 && $1.2) }
        var depth: [String: Int] = [:]
        var busy = 0
        var peak = 0
        var area = 0.0
        var previous = first
        for (at, host, starts) in marks {
            area += Double(busy) * (at - previous)
            previous = at
            let old = depth[host, default: 0]
            let new = max(0, old + (starts ? 1 : -1))
            depth[host] = new
            if old == 0, new > 0 { busy += 1 }
            if old > 0, new == 0 { busy -= 1 }
            peak = max(peak, busy)
        }
        self.peak = peak
        mean = area / (last - first)
    }
}
