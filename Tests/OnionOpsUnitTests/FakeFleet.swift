import OnionOpsCore
import OnionOpsHosts
import OnionOpsReconcile
import OnionOpsTestSupport
import Synchronization

/// A softmap on in-memory hosts: backends `b1` and `b2` each run nginx and
/// a tor instance of `shop`; `pub` runs the publisher `front` of `shop`.
struct FakeFleet {
    static let address = "4vk2czq6ok5fmbyfulsdh7jfi7nwu2pzq47v646bwq2nwpsj7m7mnmyd"
    static let publisher = DaemonInstance.publisher(balancer: "front", project: "shop")

    let memories: [String: InMemoryHost]
    let hosts: [Host]

    init(names: [String] = ["b1", "b2", "pub"]) {
        memories = Dictionary(uniqueKeysWithValues: names.map { ($0, InMemoryHost(name: $0)) })
        hosts = names.map { name in
            Host(
                name: name, connection: .local(root: "/"), supervision: .direct,
                origin: ObjectOrigin(document: SourceLocation(file: "fake.yaml", line: 1, column: 1)))
        }
    }

    subscript(_ name: String) -> InMemoryHost {
        guard let memory = memories[name] else { preconditionFailure("no in-memory host \(name)") }
        return memory
    }

    var connector: InMemoryConnector { InMemoryConnector(Array(memories.values)) }

    /// The desired state; `nginx` is the backends' nginx config text.
    static func desired(nginx: String = "events {}\n", backends: [String] = ["b1", "b2"]) -> DesiredState {
        let tor = DaemonInstance.tor(project: "shop", index: 1, mode: .softmap)
        let web = DaemonInstance.nginx(project: "shop")
        let hosts = backends.map { name in
            HostDesiredState(
                host: name, root: "/", instances: [web, tor], directories: [],
                files: [
                    ManagedFile(path: HostLayout.nginxConfig(project: "shop"), text: nginx, instance: web),
                    ManagedFile(
                        path: HostLayout.torrc(project: "shop", instance: 1), text: "SocksPort 0\n", instance: tor),
                ])
        }
        let config = "services:\n- key: front.key\n  instances:\n  - address: \(address)\n"
        let pub = HostDesiredState(
            host: "pub", root: "/", instances: [publisher], directories: [],
            files: [
                ManagedFile(
                    path: HostLayout.publisherConfigDirectory("front") + "/front.key", content: [1, 2, 3],
                    mode: 0o600, instance: publisher, isSecret: true),
                ManagedFile(path: HostLayout.publisherConfig(balancer: "front"), text: config, instance: publisher),
                ManagedFile(
                    path: HostLayout.publisherTorrc(balancer: "front"), text: "SocksPort 0\n", instance: publisher),
            ])
        return DesiredState(hosts: hosts + [pub])
    }

    /// Applies `desired`; `log` gets `host: step` as each step finishes and
    /// `host: rollback` when a rollback starts.
    func apply(
        _ desired: DesiredState, commit: String = "one", log: EventLog = EventLog(), hooks: ApplyHooks = .none,
        rollbackPauses: [Duration] = ReconcileOptions.defaultRollbackPauses,
        onRollback: @escaping @Sendable (String) -> Void = { _ in }
    ) async -> [HostReport] {
        let reconciler = Reconciler(
            options: ReconcileOptions(
                commit: commit, hooks: hooks, inputs: "inputs-" + commit, rollbackPauses: rollbackPauses),
            events: { event in
                switch event {
                case .stepFinished(let host, let step, let failure, _):
                    log.append("\(host): \(step)\(failure == nil ? "" : " FAILED")")
                case .rollingBack(let host, _):
                    log.append("\(host): rollback")
                    onRollback(host)
                default: break
                }
            },
            connector: connector)
        return await reconciler.apply(desired, hosts: hosts)
    }
}

/// Events in the order they came.
final class EventLog: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }

    /// Index of the first and last line containing each fragment.
    func first(_ fragment: String) -> Int? { all.firstIndex { $0.contains(fragment) } }
    func last(_ fragment: String) -> Int? { all.lastIndex { $0.contains(fragment) } }
}
