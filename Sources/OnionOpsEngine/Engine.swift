public import OnionOpsCore
public import OnionOpsHosts
import OnionOpsManifest
public import OnionOpsReconcile
import OnionOpsRender
public import OnionOpsSecrets

/// The one way from a revision to hosts, for the CLI and `watch` alike:
/// intake of a snapshot, keys, rendering, the host selection, and the
/// reconciler's plan, apply, drift, status, history and rollback. Both
/// front ends record the same revision name and inputs digest, so a host
/// applied by one is in sync for the other. Failures come back as
/// `EngineError` values; the front ends print them.
public struct Engine: Sendable {
    /// The age identity that opens the sealed keys.
    public var identity: AgeIdentityLocation
    /// How hosts are reached (tests: in-memory hosts).
    public var connector: any HostConnecting

    public init(identity: AgeIdentityLocation, connector: any HostConnecting = .system) {
        self.identity = identity
        self.connector = connector
    }

    // MARK: Intake and rendering

    /// The validated topology, with the scan for keys left unsealed.
    public func topology(_ snapshot: RevisionSnapshot) async throws(EngineError) -> Topology {
        var result = await ManifestLoader().load(from: SnapshotManifestSource(snapshot: snapshot))
        let folder = snapshot.revision.folder
        if RepositoryFolder.typeOfTopLevel(folder) != nil {
            // The scan reads the folder: off the cooperative pool.
            let unsealed = await BlockingWork.run { PlaintextKeyScan.scan(folder) }
            result.diagnostics = (result.diagnostics + unsealed).sortedByLocation()
        }
        guard result.isValid else {
            let count = result.diagnostics.filter { $0.severity == .error }.count
            throw EngineError(
                code: .invalidManifests,
                message: "revision \(snapshot.revision.shortID) is invalid: \(count) errors", intake: result)
        }
        return result.topology
    }

    /// Topology, keys and every chosen host's rendered state.
    public func deployment(
        _ snapshot: RevisionSnapshot, hosts selection: HostSelection, revision name: String? = nil,
        withKeyFiles: Bool = true
    ) async throws(EngineError) -> Deployment {
        let topology = try await topology(snapshot)
        let hosts = try selection.resolve(in: topology, source: snapshot.revision.folder)
        let keyring = try await keyring(snapshot, topology: topology, withKeyFiles: withKeyFiles)
        let desired: DesiredState
        do {
            desired = try Renderer(identities: keyring.identities, keys: keyring.material).render(topology)
        } catch {
            throw EngineError(code: .renderFailed, message: "\(error)")
        }
        return Deployment(
            snapshot: snapshot, topology: topology, keyring: keyring, desired: desired, hosts: hosts,
            revision: name ?? snapshot.revision.id)
    }

    /// One host's rendered files, for `render`.
    public func render(_ snapshot: RevisionSnapshot, host name: String, withKeyFiles: Bool) async throws(EngineError)
        -> HostDesiredState
    {
        let topology = try await topology(snapshot)
        guard let host = try HostSelection([name]).resolve(in: topology, source: snapshot.revision.folder).first else {
            throw EngineError(code: .unknownHost, message: "no host '\(name)' in \(snapshot.revision.folder)")
        }
        let keyring = try await keyring(snapshot, topology: topology, withKeyFiles: withKeyFiles)
        do {
            return try Renderer(identities: keyring.identities, keys: keyring.material).render(topology, host: host)
        } catch {
            throw EngineError(code: .renderFailed, message: "\(error)")
        }
    }

    func keyring(_ snapshot: RevisionSnapshot, topology: Topology, withKeyFiles: Bool) async throws(EngineError)
        -> Keyring
    {
        let folder = snapshot.revision.folder
        let keys = folder.hasSuffix("/") ? folder + "keys" : folder + "/keys"
        do {
            return try await Keyring.open(
                for: topology, store: SealedKeyStore(folder: keys), identityFile: identity.path,
                withKeyFiles: withKeyFiles)
        } catch {
            let hint: String
            switch error.code {
            case .noSuchIdentity, .wrongIdentity, .badIdentity:
                hint = "pass --identity FILE or set ONIONOPS_AGE_IDENTITY (the examples use demo/age-identity.txt)"
            default:
                hint = "`onionops keys check \(folder)` lists what is missing; `onionops keys new` makes keys"
            }
            throw EngineError(
                code: .keysUnavailable,
                message: "cannot open the sealed keys in \(keys) with the age identity \(identity): \(error)",
                hint: hint)
        }
    }

    // MARK: The shortcut

    /// Every chosen host as last applied from these very inputs (and named
    /// `revision`), or nil: then the full path runs. Nothing is decrypted
    /// or rendered; intake skips the plaintext-key scan, since these very
    /// files passed it when they were applied. Anything in doubt (invalid
    /// manifests, an unknown host) takes the full path, which reports it.
    public func unchanged(
        _ snapshot: RevisionSnapshot, hosts selection: HostSelection, revision name: String? = nil,
        parallel: Int = 10
    ) async -> [InSyncHost]? {
        guard let inputs = snapshot.inputs else { return nil }
        let loaded = await ManifestLoader().load(from: SnapshotManifestSource(snapshot: snapshot))
        guard loaded.isValid,
            let chosen = try? selection.resolve(in: loaded.topology, source: snapshot.revision.folder),
            !chosen.isEmpty
        else { return nil }
        let verdicts = await NoOpCheck(
            inputs: inputs, commit: name ?? snapshot.revision.id, parallel: parallel, connector: connector
        )
        .check(chosen)
        var hosts: [InSyncHost] = []
        for (host, verdict) in zip(chosen, verdicts) {
            guard case .unchanged(let generation, let commit) = verdict else { return nil }
            hosts.append(InSyncHost(host: host.name, generation: generation, revision: commit))
        }
        return hosts
    }

    // MARK: Plan, apply, drift

    public func plan(
        _ deployment: Deployment, parallel: Int = 10, owner: String = "onionops-reconcile",
        events: @escaping @Sendable (ReconcileEvent) -> Void = { _ in }
    ) async -> [HostReport] {
        await reconciler(deployment, parallel: parallel, pruneKeys: false, owner: owner, events: events)
            .plan(deployment.desired, hosts: deployment.hosts)
    }

    public func apply(
        _ deployment: Deployment, parallel: Int = 10, pruneKeys: Bool = false, owner: String = "onionops-reconcile",
        events: @escaping @Sendable (ReconcileEvent) -> Void = { _ in }
    ) async -> [HostReport] {
        await reconciler(deployment, parallel: parallel, pruneKeys: pruneKeys, owner: owner, events: events)
            .apply(deployment.desired, hosts: deployment.hosts)
    }

    /// What differs on each chosen host from the deployment; changes nothing.
    ///
    /// A host whose current generation was recorded from these very inputs
    /// and revision is checked the no-op way first: every file against its
    /// MANIFEST (hash, mode, owner), every daemon up, nothing pending, one
    /// observation without the stored copies and no plan. That is the same
    /// question, because that MANIFEST is this deployment's desired state;
    /// only the hosts it cannot vouch for are planned in full, which names
    /// what drifted.
    public func drift(_ deployment: Deployment, parallel: Int = 10, owner: String = "onionops-drift") async
        -> [HostReport]
    {
        guard let inputs = deployment.inputs else { return await plan(deployment, parallel: parallel, owner: owner) }
        let verdicts = await NoOpCheck(
            inputs: inputs, commit: deployment.revision, parallel: parallel, connector: connector
        )
        .check(deployment.hosts)
        var reports: [String: HostReport] = [:]
        var unsure = deployment
        unsure.hosts = []
        for (host, verdict) in zip(deployment.hosts, verdicts) {
            if case .unchanged(let generation, let commit) = verdict {
                var report = HostReport(host: host.name, status: .inSync)
                report.generation = generation
                report.previousCommit = commit
                reports[host.name] = report
            } else {
                unsure.hosts.append(host)
            }
        }
        if !unsure.hosts.isEmpty {
            for report in await plan(unsure, parallel: parallel, owner: owner) { reports[report.host] = report }
        }
        return deployment.hosts.compactMap { reports[$0.name] }
    }

    /// The revision name and the inputs digest go with every generation,
    /// recorded the same way whichever front end applies.
    func reconciler(
        _ deployment: Deployment, parallel: Int, pruneKeys: Bool, owner: String,
        events: @escaping @Sendable (ReconcileEvent) -> Void
    ) -> Reconciler {
        Reconciler(
            options: ReconcileOptions(
                parallel: parallel, pruneKeys: pruneKeys, commit: deployment.revision, owner: owner,
                inputs: deployment.inputs),
            events: events, connector: connector)
    }

    // MARK: Host preparation (no keys)

    /// `hosts prepare`: per host, what it lacks to run its daemons, and
    /// with `apply` the change, under each host's `packages` policy.
    public func prepare(_ snapshot: RevisionSnapshot, hosts selection: HostSelection, apply: Bool, parallel: Int = 10)
        async throws(EngineError) -> [HostPreparation]
    {
        let topology = try await topology(snapshot)
        let hosts = try selection.resolve(in: topology, source: snapshot.revision.folder)
        let connector = connector
        return await HostFanOut.map(hosts, parallel: parallel) { host in
            var result = HostPreparation(host: host.name)
            let preparer = HostPreparer(
                host: host, transport: connector.transport(for: host),
                requirements: HostRequirements(host: host, topology: topology))
            if preparer.isSandbox {
                result.skipped = "a sandbox host (root \(host.connection.root)) uses this machine's packages"
                return result
            }
            do {
                result.plan = try await preparer.plan()
                if apply && result.plan.problems.isEmpty && !result.plan.isEmpty {
                    result.remaining = try await preparer.apply(result.plan)
                    result.applied = true
                }
            } catch {
                result.error = "\(error)"
            }
            return result
        }
    }

    // MARK: Status, history, rollback (no keys)

    /// `publishers`: also each running publisher's status socket.
    public func status(
        _ snapshot: RevisionSnapshot, hosts selection: HostSelection, parallel: Int = 10, publishers: Bool = false
    )
        async throws(EngineError)
        -> (hosts: [Host], health: [HostHealth])
    {
        let topology = try await topology(snapshot)
        let hosts = try selection.resolve(in: topology, source: snapshot.revision.folder)
        let connector = connector
        let results = await HostFanOut.map(hosts, parallel: parallel) { host in
            var health = await HostHealth.read(host: host, connector: connector, publishers: publishers)
            guard health.reachable, health.error == nil, health.generation != nil else { return health }
            // The placed certificates: public, so status needs no identity.
            let expiries = await CertificateCheck.read(
                host: host, topology: topology, transport: connector.transport(for: host))
            health.certificates = expiries.map(\.description)
            health.certificateExpired = expiries.contains { $0.severity == .error }
            return health
        }
        return (hosts, results)
    }

    public func history(_ snapshot: RevisionSnapshot, hosts selection: HostSelection, parallel: Int = 10)
        async throws(EngineError)
        -> [HostHistory]
    {
        let hosts = try selection.resolve(in: try await topology(snapshot), source: snapshot.revision.folder)
        let connector = connector
        return await HostFanOut.map(hosts, parallel: parallel) { host in
            let store = GenerationStore(transport: connector.transport(for: host))
            var history = HostHistory(host: host.name, generations: [])
            do {
                let index = try await store.index()
                for number in index.numbers.reversed() {
                    let generation = try await store.load(number)
                    history.generations.append(
                        HostHistory.Entry(
                            generation: number, revision: generation?.commit ?? "(does not check out)",
                            recordedAt: generation?.recordedAt, current: number == index.current))
                }
            } catch {
                history.error = "\(error)"
            }
            return history
        }
    }

    /// The kept generation `host` goes back to: `generation`, else the one
    /// before the current.
    public func rollbackTarget(_ snapshot: RevisionSnapshot, host name: String, generation: Int?)
        async throws(EngineError) -> RollbackTarget
    {
        let topology = try await topology(snapshot)
        guard let host = try HostSelection([name]).resolve(in: topology, source: snapshot.revision.folder).first else {
            throw EngineError(code: .unknownHost, message: "no host '\(name)' in \(snapshot.revision.folder)")
        }
        let store = GenerationStore(transport: connector.transport(for: host))
        let index: (numbers: [Int], current: Int?)
        do {
            index = try await store.index()
        } catch {
            throw EngineError(code: .noGeneration, message: "\(name): \(error)")
        }
        guard let current = index.current else {
            throw EngineError(code: .noGeneration, message: "\(name) has no generations: nothing was ever applied")
        }
        let wanted = generation ?? index.numbers.filter { $0 < current }.max()
        guard let wanted, index.numbers.contains(wanted) else {
            throw EngineError(
                code: .noGeneration,
                message: "\(name) keeps generations \(index.numbers.map(String.init).joined(separator: ", ")); "
                    + "current is \(current)"
                    + (generation.map { "; \($0) is not kept" } ?? "; there is none before it"))
        }
        let old: Generation?
        do {
            old = try await store.load(wanted)
        } catch {
            throw EngineError(code: .noGeneration, message: "\(name): \(error)")
        }
        guard let old else {
            throw EngineError(
                code: .noGeneration, message: "generation \(wanted) on \(name) does not check out against its MANIFEST")
        }
        return RollbackTarget(host: host, from: current, to: wanted, generation: old)
    }

    /// Applies the old generation again, the same safe way as any apply,
    /// recorded as a new generation.
    public func rollback(_ target: RollbackTarget, events: @escaping @Sendable (ReconcileEvent) -> Void = { _ in })
        async -> [HostReport]
    {
        let reconciler = Reconciler(
            options: ReconcileOptions(parallel: 1, commit: target.revision, owner: "onionops-rollback"),
            events: events, connector: connector)
        return await reconciler.apply(DesiredState(hosts: [target.generation.state]), hosts: [target.host])
    }
}
