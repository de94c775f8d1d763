import OnionOpsCore
import OnionOpsHosts
import OnionOpsPresentation

/// The topology for the status page: `onionops graph`'s dot text drawn as
/// SVG by Graphviz's `dot` (Debian's graphviz), waited for off the
/// cooperative pool. Drawn once per revision.
enum StatusGraph {
    static let dot = "/usr/bin/dot"

    /// nil when Graphviz is not installed (the spawn fails) or could not
    /// draw it.
    static func svg(_ topology: Topology) async -> String? {
        let text = DotWriter.render(TopologyGraph(topology))
        guard
            let drawn = try? await Spawn.capture(
                dot, ["-Tsvg"], input: Array(text.utf8), environment: .inherited, mergeErrors: false),
            drawn.status == 0
        else { return nil }
        return String(decoding: drawn.stdout, as: UTF8.self)
    }
}
