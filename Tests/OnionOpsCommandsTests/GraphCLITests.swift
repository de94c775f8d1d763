import Foundation
import OnionOpsTestSupport
import Testing

@Suite("onionops graph")
struct GraphCLITests {
    /// manifests/: news (hardmap, one tor on each of two hosts, two sites)
    /// and shop (softmap, two backends per host, one frontend, published
    /// from edge-2): 17 nodes and 21 edges.
    static let demoNodes = 17
    static let demoEdges = 21

    @Test("--format dot draws manifests/ with a cluster per host")
    func dot() throws {
        let run = try OnionOpsBinary.run(["graph", RepositoryPaths.manifests.path, "--format", "dot"])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.isEmpty)
        let lines = Self.statements(run.stdout)
        #expect(lines.contains("digraph onionops {"))
        #expect(lines.filter { $0.hasPrefix("subgraph cluster_h") }.count == 2)
        #expect(lines.contains("label=\"edge-1\";") && lines.contains("label=\"edge-2\";"))
        #expect(lines.filter { $0.wholeMatch(of: /n[0-9]+ \[label=.*\];/) != nil }.count == Self.demoNodes)
        #expect(lines.filter { $0.wholeMatch(of: /n[0-9]+ -> n[0-9]+( \[.*\])?;/) != nil }.count == Self.demoEdges)
        #expect(run.stdout.contains("\"ob-shop-front\\nOnionbalance\""))
        #expect(run.stdout.contains("\"tor-shop-2\\nbackend shop edge-1 #2\""))
        #expect(lines.last == "}")
    }

    @Test("--format mermaid draws manifests/ with a subgraph per host")
    func mermaid() throws {
        let run = try OnionOpsBinary.run(["graph", RepositoryPaths.manifests.path, "--format", "mermaid"])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        let lines = Self.statements(run.stdout)
        #expect(lines.first == "flowchart LR")
        #expect(lines.contains("subgraph h1[\"edge-1\"]") && lines.contains("subgraph h2[\"edge-2\"]"))
        #expect(lines.filter { $0 == "end" }.count == 2)
        let edges = lines.filter { $0.wholeMatch(of: /n[0-9]+ (-->|==>|-\.->) n[0-9]+/) != nil }
        #expect(edges.count == Self.demoEdges)
        let nodes = lines.filter { $0.wholeMatch(of: /n[0-9]+[\[({].*/) != nil }
        #expect(nodes.count == Self.demoNodes)
    }

    @Test("the format defaults to dot, and PATH to ./manifests")
    func defaults() throws {
        let run = try OnionOpsBinary.run(["graph"], in: RepositoryPaths.root.path)
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("digraph onionops {"))
    }

    static var exampleFolders: [String] {
        (try? RepositoryPaths.exampleFolders().map(\.lastPathComponent)) ?? []
    }

    @Test("every example draws in both formats", arguments: exampleFolders)
    func examples(name: String) throws {
        let folder = RepositoryPaths.examples.appendingPathComponent(name).path
        for format in ["dot", "mermaid"] {
            let run = try OnionOpsBinary.run(["graph", folder, "--format", format])
            #expect(run.exitCode == 0, "\(name) \(format): \(run.stderr)")
            #expect(run.stdout.contains(" -> ") || run.stdout.contains(" --> "), "\(name) \(format) has no edges")
        }
    }

    @Test(
        "dot accepts the output",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/dot"), "needs graphviz's /usr/bin/dot"),
        arguments: ["manifests", "Examples/softmap-ha", "Examples/hardmap-cpu"]
    )
    func graphvizAccepts(path: String) throws {
        let run = try OnionOpsBinary.run(["graph", path], in: RepositoryPaths.root.path)
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        let folder = try TemporaryFolder(prefix: "oo-dot")
        defer { folder.remove() }
        let input = try folder.write("topology.dot", run.stdout)
        let svg = folder.path + "/topology.svg"
        // `onionops graph | dot -Tsvg`, with the pipe as a file.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dot")
        process.arguments = ["-Tsvg", "-o", svg]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect((try? String(contentsOfFile: svg, encoding: .utf8))?.contains("<svg") == true)
    }

    @Test("invalid manifests print their diagnostics and exit 1")
    func invalid() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(
            "m.yaml",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: Bad_Name}\nspec: {local: {root: /tmp/oo/x}}\n")
        let run = try OnionOpsBinary.run(["graph", "m.yaml", "--format", "mermaid"], in: folder.path)
        #expect(run.exitCode == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("m.yaml:3:18: error: Host name 'Bad_Name' is not valid"))

        let json = try OnionOpsBinary.run(["graph", "m.yaml", "--output", "json"], in: folder.path)
        #expect(json.exitCode == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["valid"] as? Bool == false)
    }

    @Test("an unknown format is a usage error")
    func unknownFormat() throws {
        let run = try OnionOpsBinary.run(["graph", RepositoryPaths.manifests.path, "--format", "svg"])
        #expect(run.exitCode != 0)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("dot") && run.stderr.contains("mermaid"))
    }

    @Test("help explains the drawing and shows piping into dot")
    func help() throws {
        let run = try OnionOpsBinary.run(["help", "graph"])
        #expect(run.exitCode == 0)
        #expect(run.stdout.contains("onionops graph manifests | dot -Tsvg > topology.svg"))
        #expect(run.stdout.contains("--format"))
        let root = try OnionOpsBinary.run(["--help"])
        #expect(root.stdout.contains("graph"))
    }

    /// Output lines without their indentation.
    private static func statements(_ output: String) -> [Substring] {
        output.split(separator: "\n").map { $0.trimmingPrefix(while: \.isWhitespace) }
    }
}
