public import OnionOpsCore
public import OnionOpsManifest

/// Why the engine could not give a deployment or do what was asked: a code
/// for scripts and tests, a message for people, and what the front end
/// prints beside it. The engine never prints; the commands and `watch` do.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The manifests did not pass intake; `intake` has the diagnostics.
        case invalidManifests = "invalid"
        /// A host selection named a host the topology does not have.
        case unknownHost = "unknown-host"
        /// The sealed keys could not be opened with the identity.
        case keysUnavailable = "keys"
        /// Rendering failed.
        case renderFailed = "render"
        /// A host's generations could not be read, or hold nothing to go
        /// back to.
        case noGeneration = "no-generation"
    }

    public var code: Code
    public var message: String
    /// What to try next, printed as `hint:`.
    public var hint: String?
    /// With `.invalidManifests`: the whole intake result, for the report.
    public var intake: LoadResult?

    public init(code: Code, message: String, hint: String? = nil, intake: LoadResult? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.intake = intake
    }

    public var description: String { message }

    /// The error diagnostics of an invalid intake, else none.
    public var diagnostics: [Diagnostic] { intake?.diagnostics.filter { $0.severity == .error } ?? [] }
}
