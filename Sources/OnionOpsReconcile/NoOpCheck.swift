public import OnionOpsCore
import OnionOpsHosts

/// The shortcut of a reconcile with nothing to do: a host needs nothing
/// when its current generation was rendered from the same inputs (and, if
/// one is asked for, named the same revision), no apply is pending, every
/// folder and file is as its MANIFEST records (mode, owner, SHA-256) and
/// every daemon of it runs. Read-only: no lock, no keys, no rendering; any
/// doubt (an error included) sends the host down the full path.
public struct NoOpCheck: Sendable {
    public enum Verdict: Sendable, Equatable {
        case unchanged(generation: Int, commit: String)
        case changed(String)
    }

    public var inputs: String
    public var commit: String?
    public var parallel: Int

    public init(inputs: String, commit: String?, parallel: Int = 10) {
        self.inputs = inputs
        self.commit = commit
        self.parallel = max(1, parallel)
    }

    /// Each host's verdict, in the order given.
    public func check(_ hosts: [Host]) async -> [Verdict] {
        var verdicts: [Int: Verdict] = [:]
        await withTaskGroup(of: (Int, Verdict).self) { group in
            var next = 0
            func addNext() {
                guard next < hosts.count else { return }
                let index = next
                let host = hosts[index]
                next += 1
                group.addTask { (index, await check(host)) }
            }
            for _ in 0..<parallel { addNext() }
            for await (index, verdict) in group {
                verdicts[index] = verdict
                addNext()
            }
        }
        return hosts.indices.map { verdicts[$0] ?? .changed("not checked") }
    }

    func check(_ host: Host) async -> Verdict {
        let transport = HostConnector.transport(for: host)
        do {
            let state = try await transport.read([Generation.currentPath, Generation.pendingPath])
            if state[Generation.pendingPath] != nil { return .changed("an apply was interrupted") }
            guard
                let number = state[Generation.currentPath].flatMap({
                    Int(String(decoding: $0, as: UTF8.self).split(separator: "\n").first ?? "")
                })
            else { return .changed("never applied") }
            let path = Generation.manifestPath(number)
            guard let manifest = try await transport.read([path])[path].map({ String(decoding: $0, as: UTF8.self) }),
                let generation = Generation.parse(number: number, manifest: manifest, contents: nil)
            else { return .changed("generation \(number) unreadable") }
            guard generation.inputs == inputs else { return .changed("inputs differ from generation \(number)'s") }
            if let commit, generation.commit != commit { return .changed("revision differs") }
            let entries = Generation.entries(inManifest: manifest)
            let observed = try await transport.stat(entries.map(\.path))
            if let drifted = entries.first(where: { !$0.matches(observed[$0.path]) }) {
                return .changed("\(drifted.path) differs")
            }
            let supervisor = try await SupervisorFactory.make(transport: transport, host: host)
            for instance in generation.state.instances {
                if try await supervisor.pid(instance) != nil { continue }
                if case .publisher(let balancer, _) = instance,
                    case .cannotPublish = try await supervisor.publisherState(balancer: balancer)
                {
                    continue
                }
                return .changed("\(instance) is not running")
            }
            return .unchanged(generation: number, commit: generation.commit)
        } catch {
            return .changed("cannot check: \(error.message)")
        }
    }
}
