/// A failure on a host, as a value: which host, what kind, what happened.
public struct HostError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The host cannot be reached at all (not "everything is missing").
        case unreachable = "host-unreachable"
        case io = "host-io"
        case locked = "host-locked"
        case commandFailed = "host-command-failed"
        case invalidPath = "host-invalid-path"
        /// A symlink, or something else than a real folder, on the way to
        /// a managed path: it is never followed.
        case unsafePath = "host-unsafe-path"
    }

    public var host: String
    public var code: Code
    public var message: String

    public init(host: String, code: Code, message: String) {
        self.host = host
        self.code = code
        self.message = message
    }

    public var description: String { "\(host): \(message) [\(code.rawValue)]" }
}
