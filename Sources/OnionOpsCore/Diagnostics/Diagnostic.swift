/// One problem found in the manifests, or while reading them.
///
/// Diagnostics are values: validation returns all of them rather than
/// throwing at the first. Rendered as `file:line:column: error: message`.
///
/// A message never carries secret material: it is passed through
/// `SecretRedaction` when made and again when shown, so a value a rule
/// quotes cannot print a key (see `SecretRedaction` for what is removed).
public struct Diagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var severity: Severity
    public var code: DiagnosticCode
    public var message: String
    public var location: SourceLocation?

    public init(
        _ severity: Severity = .error,
        code: DiagnosticCode,
        message: String,
        at location: SourceLocation?
    ) {
        self.severity = severity
        self.code = code
        self.message = SecretRedaction.redact(message)
        self.location = location
    }

    public static func error(_ code: DiagnosticCode, _ message: String, at location: SourceLocation?) -> Diagnostic {
        Diagnostic(.error, code: code, message: message, at: location)
    }

    public static func warning(_ code: DiagnosticCode, _ message: String, at location: SourceLocation?) -> Diagnostic {
        Diagnostic(.warning, code: code, message: message, at: location)
    }

    /// `file:line:column: error: message [code]`, the form compilers use so
    /// editors and CI annotate the right line.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.rawValue): \(SecretRedaction.redact(message)) [\(code.rawValue)]"
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// File order, then line and column, so output reads top to bottom.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { lhs, rhs in
            switch (lhs.element.location, rhs.element.location) {
            case (let l?, let r?):
                if l.file != r.file { return l.file < r.file }
                if l.line != r.line { return l.line < r.line }
                if l.column != r.column { return l.column < r.column }
                return lhs.offset < rhs.offset
            case (nil, _?): return true
            case (_?, nil): return false
            case (nil, nil): return lhs.offset < rhs.offset
            }
        }.map(\.element)
    }
}
