public import OnionOpsCore

/// One reading of a host that plan, the no-op check, `status` and drift
/// share: its generations, the apply an interrupted run left pending, one
/// stat of every path asked for or recorded, each daemon's pid and each
/// publisher's state, and (for `status`) the host lock.
///
/// It costs a fixed number of transport calls however many files and
/// daemons the host has: one read of the generation index, current and
/// pending records; one of the current MANIFEST; then one look at its
/// stored files, every pid and exit file, every pid's process and every
/// status at once.
public struct HostObservation: Sendable {
    /// What to read beyond the host's own records.
    public struct Request: Sendable {
        /// Paths to stat besides those the host's generations list (the
        /// desired state's).
        public var paths: [String]
        /// Daemons to look at besides those the host's generations list.
        public var instances: [DaemonInstance]
        /// Load the current generation with its stored files, each checked
        /// against its recorded hash (plan and rollback need them); else
        /// only its MANIFEST.
        public var contents: Bool
        /// Stands in for the host's current generation as the list of what
        /// may be removed (a rollback passes what it must undo).
        public var inventory: Generation?
        /// Also read who holds the host lock (`status`).
        public var lock: Bool
        /// Files to read in the same batch as the pid files (hostnames,
        /// for drift's onion list); they land in `contents`.
        public var reads: [String]

        public init(
            paths: [String] = [], instances: [DaemonInstance] = [], contents: Bool = true,
            inventory: Generation? = nil, lock: Bool = false, reads: [String] = []
        ) {
            self.paths = paths
            self.instances = instances
            self.contents = contents
            self.inventory = inventory
            self.lock = lock
            self.reads = reads
        }
    }

    /// One daemon as observed.
    public struct Daemon: Sendable, Hashable {
        /// The main pid if it runs (for a publisher: Onionbalance's).
        public var pid: Int32?
        /// A publisher's state; nil for tor and nginx.
        public var publisher: PublisherState?
        /// A publisher's own tor, if it runs (direct supervision only).
        public var publisherTorPid: Int32?

        public init(pid: Int32?, publisher: PublisherState? = nil, publisherTorPid: Int32? = nil) {
            self.pid = pid
            self.publisher = publisher
            self.publisherTorPid = publisherTorPid
        }

        /// The one place for the rule: offline, Onionbalance exits for want
        /// of a consensus while its tor runs. Restarting it would change
        /// nothing, so it counts as running; `status` says it cannot
        /// publish.
        public var countsAsRunning: Bool {
            if pid != nil { return true }
            if case .cannotPublish = publisher { return true }
            return false
        }

        /// `running`, `stopped`, or a publisher's state, for `status`.
        public var label: String {
            if let publisher { return publisher.description }
            return pid == nil ? "stopped" : "running"
        }
    }

    public var host: String
    /// Generation numbers kept, oldest first.
    public var generations: [Int] = []
    /// The current generation's number, even when it does not load.
    public var currentNumber: Int?
    /// The current generation (or the inventory asked for); nil when there
    /// is none or it does not check out (`currentUnreadable`).
    public var current: Generation?
    /// The current generation's MANIFEST text.
    public var currentManifest: String?
    public var currentUnreadable = false
    /// The state an interrupted apply was moving the host to.
    public var interrupted: Generation?
    /// The pending record's text, present even if it does not parse.
    public var pendingRecord: String?
    public var files: [String: FileStatus] = [:]
    public var daemons: [DaemonInstance: Daemon] = [:]
    public var lock: HostLockState?
    /// What `Request.reads` asked for, for the paths that exist.
    public var contents: [String: [UInt8]] = [:]

    public init(host: String) {
        self.host = host
    }

    /// Pids of every observed daemon that counts as running (a publisher
    /// that cannot publish as 0), as the planner takes them.
    public var running: [DaemonInstance: Int32] {
        var result: [DaemonInstance: Int32] = [:]
        for (instance, daemon) in daemons where daemon.countsAsRunning { result[instance] = daemon.pid ?? 0 }
        return result
    }

    /// Everything OnionOps may have put on the host.
    public var snapshot: HostSnapshot {
        HostSnapshot(host: host, files: files, running: running, current: current, interrupted: interrupted)
    }

    /// Drift of the current generation: each recorded path that is not as
    /// recorded.
    public var drift: [FileDrift] {
        guard let current else { return [] }
        return FileDrift.compare(current.state, with: files)
    }

    /// Reads `host` through `transport` and `supervisor`.
    public static func read(
        _ request: Request, host: OnionOpsCore.Host, transport: any HostTransport,
        supervisor: any DaemonSupervisor
    ) async throws(HostError) -> HostObservation {
        try await read(
            request, host: host.name, root: host.connection.root, transport: transport, supervisor: supervisor)
    }

    /// Reads the host named `host`, whose root folder is `root`.
    public static func read(
        _ request: Request, host: String, root: String, transport: any HostTransport,
        supervisor: any DaemonSupervisor
    ) async throws(HostError) -> HostObservation {
        var observed = HostObservation(host: host)
        if request.lock { observed.lock = try await transport.lockState(root: root) }
        let records = try await transport.read([Generation.indexPath, Generation.currentPath, Generation.pendingPath])
        observed.generations = (records[Generation.indexPath].map { String(decoding: $0, as: UTF8.self) } ?? "")
            .split(separator: "\n").compactMap { Int($0) }
        observed.currentNumber = records[Generation.currentPath].flatMap {
            Int(String(decoding: $0, as: UTF8.self).split(separator: "\n").first ?? "")
        }
        if let pending = records[Generation.pendingPath] {
            let text = String(decoding: pending, as: UTF8.self)
            observed.pendingRecord = text
            observed.interrupted = Generation.parse(number: 0, manifest: text, contents: nil)
        }
        var storedPaths: [String: String] = [:]
        if let inventory = request.inventory {
            observed.current = inventory
        } else if let number = observed.currentNumber {
            let path = Generation.manifestPath(number)
            if let manifest = try await transport.read([path])[path] {
                let text = String(decoding: manifest, as: UTF8.self)
                observed.currentManifest = text
                if request.contents {
                    for stored in Generation.paths(inManifest: text) {
                        storedPaths[Generation.storedPath(number, of: stored)] = stored
                    }
                } else {
                    observed.current = Generation.parse(number: number, manifest: text, contents: nil)
                    observed.currentUnreadable = observed.current == nil
                }
            } else {
                observed.currentUnreadable = true
            }
        }

        // Every daemon any of the states names.
        var instances = request.instances
        for state in [observed.current?.state, observed.interrupted?.state] {
            for instance in state?.instances ?? [] where !instances.contains(instance) { instances.append(instance) }
        }
        // A generation whose contents are still to come lists its daemons
        // in its MANIFEST: parse it without contents for them.
        if let manifest = observed.currentManifest, let number = observed.currentNumber, !storedPaths.isEmpty,
            let listed = Generation.parse(number: number, manifest: manifest, contents: nil)
        {
            for instance in listed.state.instances where !instances.contains(instance) { instances.append(instance) }
        }

        // Stored files, pid files and exit files in one read.
        let direct = supervisor.kind == .direct
        var pidFiles: [DaemonInstance: String] = [:]
        var exitFiles: [String: String] = [:]
        var publisherTorPidFiles: [DaemonInstance: String] = [:]
        for instance in instances {
            if case .publisher(let balancer, _) = instance {
                pidFiles[instance] = HostLayout.onionbalancePidFile(balancer: balancer)
                exitFiles[balancer] = HostLayout.onionbalanceExitFile(balancer: balancer)
                if direct { publisherTorPidFiles[instance] = HostLayout.publisherTorPidFile(balancer: balancer) }
            } else if direct {
                pidFiles[instance] = Self.pidFile(of: instance)
            }
        }
        let wanted =
            storedPaths.keys.sorted() + pidFiles.values.sorted() + exitFiles.values.sorted()
            + publisherTorPidFiles.values.sorted() + request.reads
        // What to stat is known from the MANIFEST before the stored files
        // are read, so stored files, pid files, their processes and every
        // status come in one look (one round trip to an SSH host).
        func statPaths(_ inventory: HostDesiredState?) -> Set<String> {
            Set(request.paths + (inventory.map { $0.directories.map(\.path) + $0.files.map(\.path) } ?? []))
        }
        var provisional = observed
        if !storedPaths.isEmpty, let manifest = observed.currentManifest, let number = observed.currentNumber {
            provisional.current = Generation.parse(number: number, manifest: manifest, contents: nil)
        }
        let look = try await transport.look(
            read: wanted, stat: statPaths(provisional.snapshot.inventory).sorted(),
            livePidsIn: Set(pidFiles.values).union(publisherTorPidFiles.values).sorted())
        let batch = look.contents
        if !storedPaths.isEmpty, let number = observed.currentNumber, let manifest = observed.currentManifest {
            var contents: [String: [UInt8]] = [:]
            for (storedPath, path) in storedPaths { contents[path] = batch[storedPath] }
            observed.current = Generation.parse(number: number, manifest: manifest, contents: contents)
            observed.currentUnreadable = observed.current == nil
        }
        // A current generation that does not check out is no inventory:
        // keep only the statuses the checked inventory names.
        let stated = statPaths(observed.snapshot.inventory)
        observed.files = look.statuses.filter { stated.contains($0.key) }

        for path in request.reads { observed.contents[path] = batch[path] }
        for instance in instances {
            var daemon = Daemon(pid: nil)
            if case .publisher(let balancer, _) = instance {
                let path = HostLayout.onionbalancePidFile(balancer: balancer)
                let state = PublisherState.judge(
                    pidText: batch[path].map { String(decoding: $0, as: UTF8.self) },
                    alive: look.livePids[path] != nil,
                    exitRecord: exitFiles[balancer].flatMap { batch[$0] }.map { String(decoding: $0, as: UTF8.self) })
                daemon.publisher = state
                daemon.publisherTorPid = publisherTorPidFiles[instance].flatMap { look.livePids[$0] }
                if direct {
                    if case .running(let pid) = state { daemon.pid = pid }
                } else {
                    daemon.pid = try await supervisor.pid(instance)
                }
            } else if direct {
                daemon.pid = pidFiles[instance].flatMap { look.livePids[$0] }
            } else {
                daemon.pid = try await supervisor.pid(instance)
            }
            observed.daemons[instance] = daemon
        }
        return observed
    }

    /// The pid file the direct supervisor keeps for a daemon.
    static func pidFile(of instance: DaemonInstance) -> String {
        switch instance {
        case .tor(let project, let index, _): HostLayout.torPidFile(project: project, instance: index)
        case .nginx(let project): HostLayout.nginxPidFile(project: project)
        case .publisher(let balancer, _): HostLayout.onionbalancePidFile(balancer: balancer)
        }
    }
}

extension LocalTransport {
    public var isLocal: Bool { true }
}
