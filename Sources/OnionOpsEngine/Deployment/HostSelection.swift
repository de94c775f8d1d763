import Foundation
public import OnionOpsCore

/// Which hosts a command works on: all of them, or the names given. Every
/// front end resolves it the same way: a name the topology lacks is an
/// error, never silently left out.
public struct HostSelection: Sendable, Hashable {
    public var names: [String]

    public init(_ names: [String] = []) {
        self.names = names
    }

    public static let all = HostSelection()

    /// `a,b, c` as `--hosts` takes it; empty names are dropped.
    public init(commaSeparated text: String?) {
        self.init(
            text?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            } ?? [])
    }

    /// The chosen hosts in topology order.
    public func resolve(in topology: Topology, source: String) throws(EngineError) -> [OnionOpsCore.Host] {
        guard !names.isEmpty else { return topology.hosts }
        let unknown = names.filter { name in !topology.hosts.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw EngineError(
                code: .unknownHost,
                message: "no host \(unknown.map { "'\($0)'" }.joined(separator: ", ")) in \(source); hosts: "
                    + topology.hosts.map(\.name).joined(separator: ", "))
        }
        return topology.hosts.filter { names.contains($0.name) }
    }
}
