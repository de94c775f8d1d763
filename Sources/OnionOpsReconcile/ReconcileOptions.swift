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

    public init(
        parallel: Int = 10,
        pruneKeys: Bool = false,
        commit: String,
        owner: String = "onionops-reconcile",
        hooks: ApplyHooks = .none,
        keepGenerations: Int = 10,
        inputs: String? = nil
    ) {
        self.parallel = max(1, parallel)
        self.pruneKeys = pruneKeys
        self.commit = commit
        self.owner = owner
        self.hooks = hooks
        self.keepGenerations = keepGenerations
        self.inputs = inputs
    }
}
