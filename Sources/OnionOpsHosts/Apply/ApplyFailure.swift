public import OnionOpsCore

/// A step of an apply that failed: which step, on which host, and what
/// the daemon or the host said.
public struct ApplyFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var step: String
    public var message: String

    public init(host: String, step: ApplyStep, message: String) {
        self.host = host
        self.step = step.description
        self.message = message
    }

    public var description: String { "\(host): \(step): \(message)" }
}
