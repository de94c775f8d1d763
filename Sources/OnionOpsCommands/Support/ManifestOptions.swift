import ArgumentParser

/// The manifest source and output format every reading command takes.
struct ManifestOptions: ParsableArguments {
    @Argument(help: "A folder of manifests (searched recursively) or one manifest file.")
    var path: String = "manifests"

    @Option(name: .long, help: "Output format: text or json.")
    var output: OutputFormat = .text
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}
