public import OnionOpsCore

/// Rendering expects a validated topology; these report the cases where it
/// was given something validation would have refused, instead of crashing.
public struct RenderError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: DiagnosticCode
    public var message: String

    public init(code: DiagnosticCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "render: \(message) [\(code.rawValue)]" }

    static func invalidOnion(_ onion: String, in project: String) -> RenderError {
        RenderError(
            code: .invalidOnionAddress,
            message: "project '\(project)' has an invalid onion \(Quoted(onion)); validate first")
    }
}
