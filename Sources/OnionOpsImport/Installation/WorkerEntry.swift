/// One line of `eotk-workers.conf`: `[user@]host`, or `localhost`, EOTK's
/// sentinel for the machine it runs on.
public struct WorkerEntry: Sendable, Hashable {
    public var user: String?
    public var address: String
    public var isLocal: Bool { address == "localhost" && user == nil }

    public init(user: String?, address: String) {
        self.user = user
        self.address = address
    }

    /// Non-comment lines, first word each.
    public static func parse(_ text: String) -> [WorkerEntry] {
        text.split(separator: "\n").compactMap { line in
            guard let word = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first, !word.hasPrefix("#")
            else { return nil }
            let parts = word.split(separator: "@", maxSplits: 1).map(String.init)
            return parts.count == 2
                ? WorkerEntry(user: parts[0], address: parts[1]) : WorkerEntry(user: nil, address: parts[0])
        }
    }
}
