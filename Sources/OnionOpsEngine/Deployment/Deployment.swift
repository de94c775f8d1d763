public import OnionOpsCore

/// A validated topology rendered for its chosen hosts with its keys: what
/// `plan`, `apply` and `drift` work from.
public struct Deployment: Sendable {
    public var snapshot: RevisionSnapshot
    public var topology: Topology
    public var desired: DesiredState
    /// The selection, resolved.
    public var hosts: [Host]
    /// The name recorded with each generation: the snapshot's id unless the
    /// operator named it (`reconcile --revision`).
    public var revision: String

    /// Recorded with each generation, for the no-op shortcut.
    public var inputs: String? { snapshot.inputs }
}
