import ArgumentParser
import OnionOpsCore
import OnionOpsManifest

/// `onionops show [PATH]`.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Summarise a topology: hosts, projects, sites, balancers, and what runs where.",
        discussion: """
            Validates first; invalid manifests print their diagnostics and exit 1.
            """
    )

    @OptionGroup var options: ManifestOptions

    init() {}

    func run() async throws {
        let result = await ManifestIntake.load(options.path)
        guard result.isValid else {
            switch options.output {
            case .text: DiagnosticReport.printText(result, source: options.path)
            case .json: Console.out(JSONOutput.render(DiagnosticReport(source: options.path, result: result)))
            }
            throw ExitCode(1)
        }
        let summary = TopologySummary(result.topology)
        switch options.output {
        case .text: Console.out(summary.text(source: options.path))
        case .json: Console.out(JSONOutput.render(summary))
        }
    }
}
