/// How the output's hosts are written.
public struct ImportOptions: Sendable {
    /// The host every project goes on when there is no workers file.
    public var hostName: String = "edge-1"
    /// Sandbox hosts (`local: {root: <sandbox>/<host>}`, direct
    /// supervision) instead of SSH hosts: for trying the import on this machine.
    public var sandboxRoot: String?

    public init(hostName: String = "edge-1", sandboxRoot: String? = nil) {
        self.hostName = hostName
        self.sandboxRoot = sandboxRoot
    }
}
