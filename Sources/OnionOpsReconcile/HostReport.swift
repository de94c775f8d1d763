public import OnionOpsCore

/// One host's result: its plan, what happened, and why it failed if it did.
public struct HostReport: Sendable {
    public var host: String
    public var status: HostStatus
    public var plan: HostPlan?
    /// The failed step and what the host said.
    public var failure: String?
    /// The generation the host is on afterwards.
    public var generation: Int?
    /// The revision the host ran before this reconcile.
    public var previousCommit: String?
    /// Old contents of changed, non-secret files (for dry-run diffs).
    public var oldContents: [String: [UInt8]] = [:]
    /// Steps done, in order (for the record and for ordering tests).
    public var steps: [String] = []
    /// Plain facts worth a line (a publisher that cannot publish offline).
    public var notes: [String] = []

    public init(host: String, status: HostStatus, plan: HostPlan? = nil, failure: String? = nil) {
        self.host = host
        self.status = status
        self.plan = plan
        self.failure = failure
    }
}
