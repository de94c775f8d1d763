public import OnionOpsCore
public import OnionOpsSecrets

/// A validated topology rendered for its chosen hosts with its keys: what
/// `plan`, `apply` and `drift` work from.
public struct Deployment: Sendable {
    public var snapshot: RevisionSnapshot
    public var topology: Topology
    /// The keys opened for it (backend derivations; key files unless the
    /// deployment was made without them).
    public var keyring: Keyring
    public var desired: DesiredState
    /// The selection, resolved.
    public var hosts: [Host]
    /// The name recorded with each generation: the snapshot's id unless the
    /// operator named it (`reconcile --revision`).
    public var revision: String

    /// Recorded with each generation, for the no-op shortcut.
    public var inputs: String? { snapshot.inputs }
}
