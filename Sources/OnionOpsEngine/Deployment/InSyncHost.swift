/// A host the no-op shortcut found as last applied from the same inputs.
public struct InSyncHost: Sendable, Hashable {
    public var host: String
    public var generation: Int
    public var revision: String
}
