/// The diagnostics a person is shown: the first `limit`, then a count of
/// the rest, as compilers do. A hostile or broken repository can produce
/// tens of thousands; printing them all buries the first (usually the
/// cause) and costs seconds.
public struct DiagnosticListing: Sendable, Hashable {
    /// How many are listed by default, on a terminal or in JSON.
    public static let defaultLimit = 100

    /// The first diagnostics, in the order given.
    public var shown: [Diagnostic]
    /// How many errors and warnings were not listed.
    public var omittedErrors: Int
    public var omittedWarnings: Int

    public init(_ diagnostics: [Diagnostic], limit: Int = DiagnosticListing.defaultLimit) {
        let cut = max(limit, 0)
        // "Stopped after N errors" is always shown: it says the list is
        // incomplete for another reason than this cut.
        let rest = diagnostics.dropFirst(cut).filter { $0.code != .tooManyErrors }
        shown = Array(diagnostics.prefix(cut)) + diagnostics.dropFirst(cut).filter { $0.code == .tooManyErrors }
        omittedErrors = rest.count { $0.severity == .error }
        omittedWarnings = rest.count - omittedErrors
    }

    public var omitted: Int { omittedErrors + omittedWarnings }

    /// "and 39900 more errors and 2 more warnings not shown", or nil when
    /// everything was listed.
    public var omittedSummary: String? {
        guard omitted > 0 else { return nil }
        var parts: [String] = []
        if omittedErrors > 0 { parts.append("\(omittedErrors) more \(omittedErrors == 1 ? "error" : "errors")") }
        if omittedWarnings > 0 {
            parts.append("\(omittedWarnings) more \(omittedWarnings == 1 ? "warning" : "warnings")")
        }
        return "and \(parts.joined(separator: " and ")) not shown (\(shown.count) listed)"
    }
}
