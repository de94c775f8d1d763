/// A host plan as the ordered steps that apply it, in waves: folders and
/// keys; nginx (stage, test, swap, reload, check); tor instances (stage,
/// verify, LOADCONF or start, persist, check); publishers (stage, verify,
/// swap, HUP or start, check); then stops and removals.
public struct ApplyProgram: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var phase: ApplyPhase
        public var step: ApplyStep
    }

    public var host: String
    public var entries: [Entry]

    public init(host: String, entries: [Entry]) {
        self.host = host
        self.entries = entries
    }

    public func steps(in phase: ApplyPhase) -> [ApplyStep] {
        entries.filter { $0.phase == phase }.map(\.step)
    }

    public init(_ plan: HostPlan) {
        host = plan.host
        entries = []
        let changed = Dictionary(
            plan.changes.compactMap { change in change.file.map { (change.path, $0) } },
            uniquingKeysWith: { first, _ in first }
        )
        let gated = Set(plan.desired.instances.flatMap(Self.gatedConfigs))

        // Wave 1.
        let prepare =
            plan.directories.map { HostOperation.makeDirectory($0) }
            + plan.changes.compactMap { change -> HostOperation? in
                guard let file = change.file, !gated.contains(file.path) else { return nil }
                return .write(file)
            }
        if !prepare.isEmpty { add(.main, .prepare(prepare)) }

        let instances = plan.desired.instances
        // Each tor instance's service folders and addresses, in one pass.
        var hostnamesByInstance: [DaemonInstance: [String: String]] = [:]
        for file in plan.desired.files where file.path.hasSuffix("/hostname") {
            guard let instance = file.instance else { continue }
            let folder = String(file.path.dropLast("/hostname".count))
            hostnamesByInstance[instance, default: [:]][folder] =
                file.text.split(separator: "\n").first.map(String.init) ?? ""
        }
        // Wave 2: nginx.
        for instance in instances {
            guard case .nginx(let project) = instance else { continue }
            let path = HostLayout.nginxConfig(project: project)
            let config = changed[path]
            guard config != nil || plan.daemons[instance] != nil else { continue }
            if let config {
                add(.main, .stage([config]))
                add(.main, .testNginx(project: project, config: ApplyStep.stagedPath(path)))
                add(.main, .swap([config]))
            } else {
                add(.main, .testNginx(project: project, config: path))
            }
            add(.main, plan.daemons[instance] == .start ? .start(instance) : .reload(instance))
            // nginx drops a request without the PROXY header on listeners
            // that export tor's circuit ids (haproxy): the check sends one.
            let proxyProtocol =
                (config ?? plan.desired.file(at: path)).map { Self.contains($0.content, " proxy_protocol") } ?? false
            add(.main, .checkNginx(project: project, proxyProtocol: proxyProtocol))
        }
        // Wave 3: tor instances.
        for instance in instances {
            guard case .tor(let project, let index, _) = instance else { continue }
            let path = HostLayout.torrc(project: project, instance: index)
            let torrc = changed[path]
            guard torrc != nil || plan.daemons[instance] != nil else { continue }
            let hostnames = hostnamesByInstance[instance] ?? [:]
            if !hostnames.isEmpty { add(.main, .checkKeys(instance, hostnames: hostnames)) }
            if let torrc {
                add(.main, .stage([torrc]))
                add(.main, .verifyTor(instance, torrc: ApplyStep.stagedPath(path)))
            } else {
                add(.main, .verifyTor(instance, torrc: path))
            }
            if plan.daemons[instance] == .start {
                if let torrc { add(.main, .swap([torrc])) }
                add(.main, .start(instance))
            } else if let live = torrc ?? plan.desired.file(at: path) {
                add(.main, .loadConf(instance, torrc: live))
                if let torrc { add(.main, .swap([torrc])) }
            }
            add(.main, .checkTor(instance, hostnames: hostnames))
        }
        // Wave 4: publishers.
        for instance in instances {
            guard case .publisher(let balancer, _) = instance else { continue }
            let configPath = HostLayout.publisherConfig(balancer: balancer)
            let torrcPath = HostLayout.publisherTorrc(balancer: balancer)
            let files = [changed[torrcPath], changed[configPath]].compactMap { $0 }
            guard !files.isEmpty || plan.daemons[instance] != nil else { continue }
            if !files.isEmpty { add(.publishers, .stage(files)) }
            if let torrc = changed[torrcPath] {
                add(.publishers, .verifyTor(instance, torrc: ApplyStep.stagedPath(torrc.path)))
            }
            if let config = plan.desired.file(at: configPath) {
                add(.publishers, .verifyPublisher(balancer: balancer, config: config))
            }
            if !files.isEmpty { add(.publishers, .swap(files)) }
            if plan.daemons[instance] == .start {
                add(.publishers, .start(instance))
            } else {
                // The publisher's tor takes its new torrc by LOADCONF, like
                // every running tor; then Onionbalance gets its HUP.
                if let torrc = changed[torrcPath] { add(.publishers, .loadConf(instance, torrc: torrc)) }
                add(.publishers, .reload(instance))
            }
            add(.publishers, .checkPublisher(balancer: balancer))
        }
        // Removal, in reverse: publishers, then tor, then nginx.
        let stops = plan.instances(.stop).sorted { Self.stopOrder($0) < Self.stopOrder($1) }
        for instance in stops { add(.removal, .stop(instance)) }
        let removals = plan.changes.filter { $0.kind == .delete }.map(\.path)
        if !removals.isEmpty || !plan.removedDirectories.isEmpty {
            add(.removal, .remove(files: removals, folders: plan.removedDirectories))
        }
        mergeStages()
    }

    /// One stage step per phase, where its first one was: every staged
    /// copy in one batch.
    private mutating func mergeStages() {
        for phase in ApplyPhase.allCases {
            let indices = entries.indices.filter {
                if entries[$0].phase == phase, case .stage = entries[$0].step { return true }
                return false
            }
            guard let first = indices.first, indices.count > 1 else { continue }
            let files = indices.flatMap { index -> [ManagedFile] in
                if case .stage(let files) = entries[index].step { return files }
                return []
            }
            for index in indices.reversed() { entries.remove(at: index) }
            entries.insert(Entry(phase: phase, step: .stage(files)), at: first)
        }
    }

    private mutating func add(_ phase: ApplyPhase, _ step: ApplyStep) {
        entries.append(Entry(phase: phase, step: step))
    }

    /// Every gated config of a state's daemons (their staged copies are
    /// what a failed apply may leave behind).
    public static func gatedPaths(of state: HostDesiredState) -> [String] {
        state.instances.flatMap(gatedConfigs)
    }

    /// A byte search: `String.contains` walks graphemes, which on a large
    /// nginx.conf cost most of the planning time.
    static func contains(_ bytes: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, bytes.count >= pattern.count else { return false }
        var index = 0
        let last = bytes.count - pattern.count
        while index <= last {
            if bytes[index] == first && bytes[index..<index + pattern.count].elementsEqual(pattern) { return true }
            index += 1
        }
        return false
    }

    /// The configs a daemon's own check must pass before they go live.
    static func gatedConfigs(_ instance: DaemonInstance) -> [String] {
        switch instance {
        case .tor(let project, let index, _): [HostLayout.torrc(project: project, instance: index)]
        case .nginx(let project): [HostLayout.nginxConfig(project: project)]
        case .publisher(let balancer, _):
            [HostLayout.publisherTorrc(balancer: balancer), HostLayout.publisherConfig(balancer: balancer)]
        }
    }

    /// Each onion service folder of a tor instance and the address its
    /// `hostname` must hold (known when keys were rendered).
    static func hostnames(of instance: DaemonInstance, in state: HostDesiredState) -> [String: String] {
        var result: [String: String] = [:]
        for file in state.files where file.instance == instance && file.path.hasSuffix("/hostname") {
            let folder = String(file.path.dropLast("/hostname".count))
            result[folder] = file.text.split(separator: "\n").first.map(String.init) ?? ""
        }
        return result
    }

    private static func stopOrder(_ instance: DaemonInstance) -> Int {
        switch instance {
        case .publisher: 0
        case .tor: 1
        case .nginx: 2
        }
    }
}
