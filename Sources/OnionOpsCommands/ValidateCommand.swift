import ArgumentParser
import OnionOpsManifest

/// `onionops validate [PATH]`.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check manifests: YAML safety, strict schema, and every semantic rule.",
        discussion: """
            Reports every problem as `file:line:column: error: message [code]`, on stderr. \
            With --output json, prints one JSON report on stdout instead.

            Exit codes: 0 valid, 1 invalid or unreadable.
            """
    )

    @OptionGroup var options: ManifestOptions

    init() {}

    func run() async throws {
        let result = await ManifestIntake.load(options.path)
        switch options.output {
        case .text: DiagnosticReport.printText(result, source: options.path)
        case .json: Console.out(JSONOutput.render(DiagnosticReport(source: options.path, result: result)))
        }
        if !result.isValid { throw ExitCode(1) }
    }
}
