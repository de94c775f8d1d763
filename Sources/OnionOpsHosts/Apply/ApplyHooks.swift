public import OnionOpsCore

/// Test-only fault injection: runs before each step of an apply, so a test
/// can break the host at an exact point (kill tor, corrupt a key, fill the
/// disk, cut the connection) and watch the rollback.
public struct ApplyHooks: Sendable {
    public var beforeStep: (@Sendable (_ host: String, _ step: ApplyStep) async -> Void)?

    public init(beforeStep: (@Sendable (_ host: String, _ step: ApplyStep) async -> Void)? = nil) {
        self.beforeStep = beforeStep
    }

    public static let none = ApplyHooks()
}
