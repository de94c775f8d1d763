/// A folder OnionOps creates on a host, with the mode and owner the daemon
/// using it insists on (tor refuses a HiddenServiceDir or a ControlSocket
/// folder that others can read).
public struct ManagedDirectory: Sendable, Hashable {
    public var path: String
    public var mode: UInt16
    public var owner: String

    public init(path: String, mode: UInt16 = 0o755, owner: String = "root") {
        self.path = path
        self.mode = mode
        self.owner = owner
    }
}
