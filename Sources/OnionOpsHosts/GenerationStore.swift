import Foundation
public import OnionOpsCore

/// Numbered generations on a host, through its transport: record one
/// (one batch), list them, load one back for a rollback.
public struct GenerationStore: Sendable {
    public let transport: any HostTransport
    public var keep: Int

    public init(transport: any HostTransport, keep: Int = Generation.defaultKeep) {
        self.transport = transport
        self.keep = keep
    }

    /// The numbers kept, oldest first, and the current one.
    public func index() async throws(HostError) -> (numbers: [Int], current: Int?) {
        let files = try await transport.read([Generation.indexPath, Generation.currentPath])
        let numbers = (files[Generation.indexPath].map { String(decoding: $0, as: UTF8.self) } ?? "")
            .split(separator: "\n").compactMap { Int($0) }
        let current = files[Generation.currentPath].flatMap {
            Int(String(decoding: $0, as: UTF8.self).split(separator: "\n").first ?? "")
        }
        return (numbers, current)
    }

    /// Stores `state` as the next generation and makes it current.
    @discardableResult
    public func record(_ state: HostDesiredState, commit: String, inputs: String? = nil) async throws(HostError)
        -> Generation
    {
        let (numbers, _) = try await index()
        let generation = Generation(
            number: (numbers.max() ?? 0) + 1, commit: commit, state: state,
            recordedAt: Int(Date().timeIntervalSince1970), inputs: inputs)
        let dropped = numbers.filter { !generation.kept(after: numbers, keep: keep).contains($0) }
        let manifests = try await transport.read(dropped.map(Generation.manifestPath))
        var pruned: [Int: [String]] = [:]
        for number in dropped {
            let text = manifests[Generation.manifestPath(number)].map { String(decoding: $0, as: UTF8.self) } ?? ""
            pruned[number] = Generation.paths(inManifest: text)
        }
        try await transport.apply(generation.recordOperations(existing: numbers, pruned: pruned, keep: keep))
        return generation
    }

    /// Removes the stored copy of every secret file (an onion key, a TLS
    /// key) that `wanted` does not name from every kept generation, so a
    /// key pruned from the host (`--prune-keys`) cannot come back through a
    /// rollback. A generation that held one no longer checks out, and
    /// `load` refuses it. Returns the paths pruned.
    @discardableResult
    public func pruneSecrets(keeping wanted: Set<String>) async throws(HostError) -> [String] {
        let (numbers, _) = try await index()
        let manifests = try await transport.read(numbers.map(Generation.manifestPath))
        var removals: [HostOperation] = []
        var pruned: Set<String> = []
        for number in numbers {
            let text = manifests[Generation.manifestPath(number)].map { String(decoding: $0, as: UTF8.self) } ?? ""
            for entry in Generation.entries(inManifest: text) where entry.isSecret && !wanted.contains(entry.path) {
                removals.append(.remove(path: Generation.storedPath(number, of: entry.path)))
                pruned.insert(entry.path)
            }
        }
        if !removals.isEmpty { try await transport.apply(removals) }
        return pruned.sorted()
    }

    /// A stored generation, every file checked against its recorded hash;
    /// nil if it is not there or does not check out.
    public func load(_ number: Int) async throws(HostError) -> Generation? {
        guard
            let manifest = try await transport.read([Generation.manifestPath(number)])[Generation.manifestPath(number)]
        else { return nil }
        let text = String(decoding: manifest, as: UTF8.self)
        let paths = Generation.paths(inManifest: text)
        let stored = try await transport.read(paths.map { Generation.storedPath(number, of: $0) })
        var contents: [String: [UInt8]] = [:]
        for path in paths {
            contents[path] = stored[Generation.storedPath(number, of: path)]
        }
        return Generation.parse(number: number, manifest: text, contents: contents)
    }
}
