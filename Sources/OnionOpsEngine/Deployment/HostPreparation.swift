public import OnionOpsCore

/// What `hosts prepare` found and did on one host.
public struct HostPreparation: Sendable, Encodable {
    public var host: String
    /// The plan before any change (what --dry-run shows).
    public var plan: PreparationPlan
    /// Applied, and what a fresh read still finds wanting (empty: ready).
    public var applied: Bool = false
    public var remaining: PreparationPlan?
    /// Not prepared: a sandbox host (the machine's own packages).
    public var skipped: String?
    public var error: String?

    public init(host: String, plan: PreparationPlan = PreparationPlan()) {
        self.host = host
        self.plan = plan
    }

    /// Ready: nothing to do, or done, with no problem left.
    public var isReady: Bool {
        error == nil && (skipped != nil || (remaining ?? plan).isEmpty)
    }
}
