import Foundation

/// An Onionbalance publisher's log (run with `-v info` by the testnet
/// launcher), read for what it published: "We got N intros from M
/// instances" comes right before "Service <onion> created ... descriptor"
/// and "Uploading first|second descriptor for <onion> to [...]", so the
/// sequence tells how many backends each uploaded frontend descriptor was
/// built from.
public struct PublisherLog: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The log's length now: later reads can look only past it.
    public var mark: Int { text.utf8.count }

    /// For each frontend (56 characters, no `.onion`), the instance count
    /// of the last descriptor uploaded after `mark`.
    public func instancesPerFrontend(after mark: Int = 0) -> [String: Int] {
        let all = text.utf8
        // Shorter than the mark: Onionbalance restarted and its wrapper
        // began a new log (the old one is `.1`), so all of it is new.
        let start = all.index(all.startIndex, offsetBy: mark <= all.count ? mark : 0)
        var result: [String: Int] = [:]
        var pending: Int?
        for line in String(decoding: all[start...], as: UTF8.self).split(separator: "\n") {
            if line.contains("We got "), let from = line.range(of: " intros from ") {
                pending = line[from.upperBound...].split(separator: " ").first.flatMap { Int($0) }
            } else if line.contains("Uploading "), let pending, let range = line.range(of: " descriptor for ") {
                let name = line[range.upperBound...].split(separator: " ").first.map(String.init) ?? ""
                result[String(name.prefix(56))] = pending
            }
        }
        return result
    }

    /// Whether every frontend in `frontends` had a descriptor built from
    /// exactly `instances` backends uploaded after `mark`.
    public func published(_ frontends: [String], instances: Int, after mark: Int = 0) -> Bool {
        let counts = instancesPerFrontend(after: mark)
        return frontends.allSatisfy { counts[String($0.prefix(56))] == instances }
    }

    /// The last lines, for failure messages.
    public func tail(_ count: Int = 12) -> String {
        text.split(separator: "\n").suffix(count).joined(separator: "\n")
    }
}
