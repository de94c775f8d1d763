import OnionOpsCore
import OnionOpsManifest

/// The result of intake as shown to people (text) or machines (JSON).
struct DiagnosticReport: Encodable {
    struct Counts: Encodable {
        var files: Int
        var hosts: Int
        var projects: Int
        var balancers: Int
        var errors: Int
        var warnings: Int
    }

    struct Entry: Encodable {
        var file: String?
        var line: Int?
        var column: Int?
        var severity: String
        var code: String
        var message: String
    }

    var formatVersion = JSONOutput.formatVersion
    var source: String
    var valid: Bool
    var counts: Counts
    /// The first `DiagnosticListing.defaultLimit`; `omittedDiagnostics`
    /// counts the rest (`counts` has the totals).
    var diagnostics: [Entry]
    var omittedDiagnostics: Int

    init(source: String, result: LoadResult) {
        self.source = source
        self.valid = result.isValid
        let errors = result.diagnostics.filter { $0.severity == .error }.count
        self.counts = Counts(
            files: result.files.count,
            hosts: result.topology.hosts.count,
            projects: result.topology.projects.count,
            balancers: result.topology.balancers.count,
            errors: errors,
            warnings: result.diagnostics.count - errors
        )
        let listing = DiagnosticListing(result.diagnostics)
        self.omittedDiagnostics = listing.omitted
        self.diagnostics = listing.shown.map {
            Entry(
                file: $0.location?.file,
                line: $0.location?.line,
                column: $0.location?.column,
                severity: $0.severity.rawValue,
                code: $0.code.rawValue,
                message: $0.message
            )
        }
    }

    /// One line per diagnostic, up to `DiagnosticListing.defaultLimit` (a
    /// hostile repository can make tens of thousands), then a count of the
    /// rest and a summary line.
    static func printText(_ result: LoadResult, source: String) {
        let listing = DiagnosticListing(result.diagnostics)
        for diagnostic in listing.shown {
            Console.err(diagnostic.description)
        }
        if let omitted = listing.omittedSummary { Console.err("\(source): \(omitted)") }
        let report = DiagnosticReport(source: source, result: result)
        let c = report.counts
        let objects =
            "\(c.hosts) \(plural(c.hosts, "host")), \(c.projects) \(plural(c.projects, "project")), \(c.balancers) \(plural(c.balancers, "balancer"))"
        if result.isValid {
            Console.out("\(source): valid (\(c.files) \(plural(c.files, "file")); \(objects))")
        } else {
            let files = Set(result.diagnostics.compactMap { $0.location?.file }).count
            Console.err(
                "\(source): invalid: \(c.errors) \(plural(c.errors, "error")) in \(files) \(plural(files, "file"))")
        }
    }

    static func plural(_ count: Int, _ word: String) -> String {
        count == 1 ? word : word + "s"
    }
}
