import ArgumentParser
import OnionOpsCore
import OnionOpsManifest
import OnionOpsPresentation

/// `onionops graph [PATH] --format dot|mermaid`.
struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw a topology as a Graphviz (dot) or Mermaid diagram.",
        discussion: """
            Draws what runs where, like the diagrams of the Onionspray load-balancing guide: each \
            host is a cluster holding its tor instances (tor-<project>-<n>), one nginx per project \
            and its Onionbalance publishers (ob-<balancer>). A hardmap site onion points at every \
            tor instance that holds its key. A softmap frontend onion points at the publishers \
            that hold its key, and they point at every backend tor instance (a backend's address \
            is derived from the project's sealed secret, so it is named, e.g. `backend shop \
            edge-1 #2`, not shown). tor instances point at their nginx, nginx at the upstream \
            sites.

            Validates first; invalid manifests print their diagnostics (text or json, as \
            --output says) and exit 1. The diagram goes to stdout.

            Examples:
              onionops graph manifests | dot -Tsvg > topology.svg
              onionops graph Examples/softmap-ha --format mermaid > topology.mmd
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable, Sendable {
        case dot
        case mermaid
    }

    @OptionGroup var options: ManifestOptions

    @Option(name: .long, help: "Diagram format: dot (Graphviz) or mermaid.")
    var format: Format = .dot

    init() {}

    func run() async throws {
        let set = try await ManifestSet.load(options.path, output: options.output)
        let graph = TopologyGraph(set.topology)
        switch format {
        case .dot: Console.out(DotWriter.render(graph))
        case .mermaid: Console.out(MermaidWriter.render(graph))
        }
    }
}
