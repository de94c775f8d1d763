public import OnionOpsCore

/// A Mermaid flowchart for a topology graph, to paste into Markdown that
/// renders Mermaid (GitHub, GitLab, many wikis).
///
/// Ids are the graph's generated ones. Labels are quoted, and every
/// character but letters, digits, spaces and harmless punctuation becomes a
/// `#<code>;` entity: Mermaid has no backslash escapes, and quotes, `#`,
/// `%`, backticks or markup in a label could otherwise end it, start a
/// comment, switch to Markdown text or become HTML.
public enum MermaidWriter {
    public static func render(_ graph: TopologyGraph) -> String {
        var out = "flowchart LR\n"
        for cluster in graph.clusters {
            out += "    subgraph \(cluster.id)[\(quoted([cluster.label]))]\n"
            for node in graph.nodes(in: cluster.id) { out += "        \(statement(node))\n" }
            out += "    end\n"
        }
        for node in graph.nodes(in: nil) { out += "    \(statement(node))\n" }
        for edge in graph.edges { out += "    \(edge.from) \(arrow(edge.kind)) \(edge.to)\n" }
        for kind in TopologyGraph.NodeKind.allCases {
            let members = graph.nodes.filter { $0.kind == kind }.map(\.id)
            guard !members.isEmpty else { continue }
            out += "    classDef \(kind.rawValue) \(style(kind))\n"
            out += "    class \(members.joined(separator: ",")) \(kind.rawValue)\n"
        }
        return out
    }

    private static func statement(_ node: TopologyGraph.Node) -> String {
        let label = quoted(node.lines)
        switch node.kind {
        case .siteOnion, .frontendOnion: return "\(node.id)([\(label)])"
        case .tor: return "\(node.id)[\(label)]"
        case .nginx: return "\(node.id)(\(label))"
        case .publisher: return "\(node.id){{\(label)}}"
        case .upstream: return "\(node.id)[(\(label))]"
        }
    }

    private static func arrow(_ kind: TopologyGraph.EdgeKind) -> String {
        switch kind {
        case .serves, .proxies, .fetches: "-->"
        case .publishes: "==>"
        case .balances: "-.->"
        }
    }

    private static func style(_ kind: TopologyGraph.NodeKind) -> String {
        switch kind {
        case .siteOnion: "fill:#e9d8fd,stroke:#6b3fa0"
        case .frontendOnion: "fill:#e9d8fd,stroke:#6b3fa0,stroke-width:3px"
        case .tor: "fill:#d6e4ff,stroke:#3b5998"
        case .nginx: "fill:#d3f5d3,stroke:#2e7d32"
        case .publisher: "fill:#ffe8c2,stroke:#b26a00"
        case .upstream: "fill:#eeeeee,stroke:#666666"
        }
    }

    /// A quoted Mermaid label; lines are joined with `<br/>`.
    private static func quoted(_ lines: [String]) -> String {
        let escaped = lines.map { line in
            var result = ""
            for scalar in line.unicodeScalars {
                if scalar.isASCII && (isPlain(UInt8(scalar.value))) {
                    result.unicodeScalars.append(scalar)
                } else {
                    result += "#\(scalar.value);"
                }
            }
            return result
        }
        return "\"" + escaped.joined(separator: "<br/>") + "\""
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            " .-_:/@,()+=?!*~".utf8.contains(byte)
        }
    }
}
