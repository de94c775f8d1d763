public import OnionOpsCore

/// A host and the kept generation it goes back to (`Engine.rollbackTarget`),
/// checked out against its MANIFEST, before anything is applied.
public struct RollbackTarget: Sendable {
    public var host: Host
    /// The current generation.
    public var from: Int
    public var to: Int
    public var generation: Generation

    /// The revision the old generation recorded.
    public var revision: String { generation.commit }
}
