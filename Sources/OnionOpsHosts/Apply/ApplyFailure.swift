public import OnionOpsCore

/// A step of an apply that failed: which step, on which host, and what
/// the daemon or the host said.
public struct ApplyFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var step: String
    public var message: String
    /// The host could not be reached (the connection dropped): the same
    /// step may succeed once it is back.
    public var unreachable: Bool

    public init(host: String, step: ApplyStep, message: String, unreachable: Bool = false) {
        self.host = host
        self.step = step.description
        self.message = message
        self.unreachable = unreachable
    }

    public var description: String { "\(host): \(step): \(message)" }
}
