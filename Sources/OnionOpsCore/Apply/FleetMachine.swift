/// The reconciler's state machine across hosts: every host's main waves,
/// then publishers only where every backend host they need came through,
/// then removals, then each healthy host records its generation. A host
/// whose step fails is rolled back at once and takes no further part; a
/// publisher host whose backends failed is rolled back instead of
/// publishing. The driver does the I/O and reports each task's outcome;
/// this decides what runs next, so the order, the holds and the rollbacks
/// are tested without a host.
///
/// A rollback runs through the same machine: one member, the undo
/// program's phases, no record and no rollback of the rollback
/// (`Policy.rollback`).
public struct FleetMachine: Sendable {
    /// The stages every host goes through together.
    public enum Stage: Int, Sendable, Hashable, Comparable, CaseIterable {
        case main, publishers, removal, record, finished

        public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rawValue < rhs.rawValue }

        /// The apply phase a stage runs, if it runs one.
        public var phase: ApplyPhase? {
            switch self {
            case .main: .main
            case .publishers: .publishers
            case .removal: .removal
            case .record, .finished: nil
            }
        }
    }

    /// A publisher of a host and the hosts whose tor instances it needs.
    public struct PublisherNeed: Sendable, Hashable {
        public var balancer: String
        public var project: String
        public var backendHosts: Set<String>

        public init(balancer: String, project: String, backendHosts: Set<String>) {
            self.balancer = balancer
            self.project = project
            self.backendHosts = backendHosts
        }
    }

    /// One host taking part: the phases its program has steps in, and the
    /// publishers it changes or starts.
    public struct Member: Sendable, Hashable {
        public var host: String
        public var phases: Set<ApplyPhase>
        public var publishers: [PublisherNeed]

        public init(host: String, phases: Set<ApplyPhase>, publishers: [PublisherNeed] = []) {
            self.host = host
            self.phases = phases
            self.publishers = publishers
        }

        /// A member from its program (phases with steps).
        public init(program: ApplyProgram, publishers: [PublisherNeed] = []) {
            self.init(host: program.host, phases: Set(program.entries.map(\.phase)), publishers: publishers)
        }
    }

    public struct Policy: Sendable, Hashable {
        /// A failed phase queues a rollback of the host.
        public var rollsBack: Bool
        /// Healthy hosts record their generation at the end.
        public var records: Bool

        public static let apply = Policy(rollsBack: true, records: true)
        /// A rollback's own run: a failure is final, nothing is recorded.
        public static let rollback = Policy(rollsBack: false, records: false)
    }

    /// Work for the driver. A host has at most one task out at a time.
    public enum Task: Sendable, Hashable, CustomStringConvertible {
        case run(host: String, phase: ApplyPhase)
        case rollBack(host: String, reason: String)
        case record(host: String)

        public var host: String {
            switch self {
            case .run(let host, _), .rollBack(let host, _), .record(let host): host
            }
        }

        public var description: String {
            switch self {
            case .run(let host, let phase): "\(host): \(phase)"
            case .rollBack(let host, let reason): "\(host): roll back (\(reason))"
            case .record(let host): "\(host): record"
            }
        }
    }

    /// How a task went.
    public enum Outcome: Sendable, Hashable {
        case succeeded
        case failed(String)
        /// The host stopped without a rollback (its lock was lost: another
        /// reconciler may hold it). Final.
        case stopped(String)
    }

    /// Where each host stands.
    public enum HostState: Sendable, Hashable {
        case healthy
        /// A step failed; its rollback is queued or running.
        case rollingBack(String)
        case rolledBack(String)
        case rollbackFailed(String)
        /// Failed for good without a rollback: it could not be opened, it
        /// stopped, or a step failed under `Policy.rollback`.
        case failed(String)

        public var isHealthy: Bool { self == .healthy }
    }

    public let policy: Policy
    public private(set) var stage: Stage
    public private(set) var states: [String: HostState]
    /// Tasks in the order they were handed out (for tests and logs).
    public private(set) var history: [Task] = []
    private let members: [Member]
    private var ready: [Task] = []
    private var out: Set<String> = []

    /// `unavailable`: hosts that could not be opened (unreachable, locked),
    /// with why; they fail every publisher that needs them.
    public init(members: [Member], unavailable: [String: String] = [:], policy: Policy = .apply) {
        self.members = members
        self.policy = policy
        var states: [String: HostState] = [:]
        for (host, reason) in unavailable { states[host] = .failed(reason) }
        for member in members { states[member.host] = .healthy }
        self.states = states
        stage = .main
        enter(.main)
    }

    public var isFinished: Bool { stage == .finished }

    /// The next task to start, or nil when none is ready: either the
    /// machine is finished or the tasks out must report first.
    public mutating func next() -> Task? {
        while ready.isEmpty, out.isEmpty, stage != .finished {
            enter(Stage(rawValue: stage.rawValue + 1) ?? .finished)
        }
        guard !ready.isEmpty else { return nil }
        let task = ready.removeFirst()
        out.insert(task.host)
        history.append(task)
        return task
    }

    /// Takes a task's outcome.
    public mutating func finished(_ task: Task, _ outcome: Outcome) {
        guard out.remove(task.host) != nil else { return }
        switch (task, outcome) {
        case (_, .stopped(let reason)):
            states[task.host] = .failed(reason)
        case (.run, .succeeded), (.record, .succeeded):
            break
        case (.run, .failed(let reason)):
            if policy.rollsBack {
                // Ahead of the stage's other work: a broken host waits for
                // nobody.
                states[task.host] = .rollingBack(reason)
                ready.insert(.rollBack(host: task.host, reason: reason), at: 0)
            } else {
                states[task.host] = .failed(reason)
            }
        case (.record, .failed(let reason)):
            states[task.host] = .failed(reason)
        case (.rollBack(_, let reason), .succeeded):
            states[task.host] = .rolledBack(reason)
        case (.rollBack(_, let reason), .failed(let why)):
            states[task.host] = .rollbackFailed(reason + "; rollback failed: " + why)
        }
    }

    /// Hosts that did not come through (for publisher holds).
    public var failedHosts: Set<String> {
        Set(states.filter { !$0.value.isHealthy }.keys)
    }

    private mutating func enter(_ next: Stage) {
        stage = next
        let healthy = members.filter { states[$0.host]?.isHealthy == true }
        switch next {
        case .main, .removal:
            guard let phase = next.phase else { return }
            ready = healthy.filter { $0.phases.contains(phase) }.map { .run(host: $0.host, phase: phase) }
        case .publishers:
            let failed = failedHosts
            ready = healthy.filter { $0.phases.contains(.publishers) }.compactMap { member in
                for need in member.publishers {
                    guard let down = need.backendHosts.sorted().first(where: { failed.contains($0) }) else { continue }
                    let reason =
                        "\(member.host): publisher \(need.balancer) held: backend host \(down) of \(need.project) failed"
                    guard policy.rollsBack else {
                        states[member.host] = .failed(reason)
                        return nil
                    }
                    // The host's main part already ran: back to its old
                    // generation, so its publishers keep their old config.
                    states[member.host] = .rollingBack(reason)
                    return .rollBack(host: member.host, reason: reason)
                }
                return .run(host: member.host, phase: .publishers)
            }
        case .record:
            ready = policy.records ? healthy.map { .record(host: $0.host) } : []
        case .finished:
            ready = []
        }
    }
}
