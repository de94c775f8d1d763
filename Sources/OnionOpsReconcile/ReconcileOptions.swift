public import OnionOpsHosts

/// How a reconcile runs.
public struct ReconcileOptions: Sendable {
    /// Hosts applied at once.
    public var parallel: Int
    /// Remove key files of sites that left a host.
    public var pruneKeys: Bool
    /// Identifies what is applied (a commit id, or a hash of a folder).
    public var commit: String
    /// Lock owner written on each host.
    public var owner: String
    public var hooks: ApplyHooks
    /// Generations kept on each host.
    public var keepGenerations: Int
    /// The digest of what the desired state was rendered from, recorded
    /// with each generation (see `InputsDigest`).
    public var inputs: String?
    /// The pauses between a rollback's attempts on a host that stopped
    /// answering: about half a minute in all by default (a router's
    /// restart, sshd restarting). None follows the last attempt.
    public var rollbackPauses: [Duration]

    public static let defaultRollbackPauses: [Duration] = [1, 2, 4, 8, 15].map { .seconds($0) }

    public init(
        parallel: Int = 10,
        pruneKeys: Bool = false,
        commit: String,
        owner: String = "onionops-reconcile",
        hooks: ApplyHooks = .none,
        keepGenerations: Int = 10,
        inputs: String? = nil,
        rollbackPauses: [Duration] = Self.defaultRollbackPauses
    ) {
        self.parallel = max(1, parallel)
        self.pruneKeys = pruneKeys
        self.commit = commit
        self.owner = owner
        self.hooks = hooks
        self.keepGenerations = keepGenerations
        self.inputs = inputs
        self.rollbackPauses = rollbackPauses
    }
}
