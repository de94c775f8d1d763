/// Checks an Onionbalance config.yaml before Onionbalance sees it: a HUP
/// with a bad config makes Onionbalance exit, and it has no check mode of
/// its own. Reads the subset OnionOps renders: `services:` as a list of
/// `- key: <relative path>` each with a non-empty `instances:` list of
/// `- address: <56 base32 chars>` (at most 8: the descriptor limit).
public enum PublisherConfigCheck {
    public struct Service: Sendable, Hashable {
        public var key: String
        public var addresses: [String]
    }

    /// The services, or the first problem found.
    public static func parse(_ text: String) -> Result<[Service], PublisherConfigProblem> {
        var services: [Service] = []
        var inServices = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if line.hasPrefix("#") { continue }
            if line == "services:" {
                inServices = true
                continue
            }
            guard inServices else { continue }
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("- key: ") {
                let key = String(trimmed.dropFirst("- key: ".count))
                guard !key.isEmpty, !key.hasPrefix("/"), !key.split(separator: "/").contains("..") else {
                    return .failure(PublisherConfigProblem("key path '\(key)' must stay inside the config folder"))
                }
                services.append(Service(key: key, addresses: []))
            } else if trimmed.hasPrefix("- address: ") {
                let address = String(trimmed.dropFirst("- address: ".count))
                guard case .success = OnionAddress.parse(address + OnionAddress.suffix) else {
                    return .failure(PublisherConfigProblem("instance address '\(address)' is not a v3 onion"))
                }
                guard !services.isEmpty else {
                    return .failure(PublisherConfigProblem("an instance comes before any service"))
                }
                services[services.count - 1].addresses.append(address)
            }
        }
        guard !services.isEmpty else { return .failure(PublisherConfigProblem("no services")) }
        for service in services {
            if service.addresses.isEmpty {
                return .failure(PublisherConfigProblem("service \(service.key) has no instances"))
            }
            if service.addresses.count > 8 {
                return .failure(
                    PublisherConfigProblem("service \(service.key) has \(service.addresses.count) instances, over 8"))
            }
        }
        return .success(services)
    }
}

/// Why a publisher config was refused.
public struct PublisherConfigProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
