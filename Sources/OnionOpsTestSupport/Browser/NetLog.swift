import Foundation

/// What a Chromium net log (`--log-net-log`) says the browser asked for:
/// every request its network stack started (pages, subresources,
/// websockets, and what the browser fetched of its own accord), and every
/// host name it tried to resolve on this machine.
public struct NetLog: Sendable {
    public struct Request: Sendable {
        public var url: String
        public var method: String
        /// "top-frame-site frame-site" for a page's request, "null null"
        /// or a Google site for the browser's own.
        public var isolationKey: String
    }

    public let requests: [Request]
    public let resolvedHosts: [String]
    public let eventCount: Int

    /// Reads the log a browser wrote. The file is one event per line after
    /// the constants; a browser that was killed leaves it without its
    /// closing brackets, so the events are read line by line.
    public init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let start = text.range(of: "\"events\": [") else {
            throw SandboxTree.Failure(description: "\(path): no events")
        }
        let constants = String(text[..<start.lowerBound]) + "\"events\": []}"
        let types =
            (DevToolsJSON.value(Data(constants.utf8), "constants", "logEventTypes") as? [String: Int]) ?? [:]
        let names = Dictionary(types.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
        var requests: [Request] = []
        var hosts: [String] = []
        var count = 0
        for line in text[start.upperBound...].split(separator: "\n") {
            var trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix(",") { trimmed.removeLast() }
            guard let event = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                let type = event["type"] as? Int, let name = names[type]
            else { continue }
            count += 1
            let params = event["params"] as? [String: Any] ?? [:]
            if name == "URL_REQUEST_START_JOB", let url = params["url"] as? String {
                requests.append(
                    Request(
                        url: url, method: params["method"] as? String ?? "",
                        isolationKey: params["network_isolation_key"] as? String ?? ""))
            }
            if name.hasPrefix("HOST_RESOLVER"), let host = params["host"] as? String { hosts.append(host) }
        }
        self.requests = requests
        resolvedHosts = hosts
        eventCount = count
    }
}
