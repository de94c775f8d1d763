import OnionOpsCore
import OnionOpsPresentation
import OnionOpsTestSupport
import Testing

@Suite("topology graphs and their dot and Mermaid writers")
struct TopologyGraphTests {
    // MARK: - Topologies shaped like Examples/

    static func origin(_ name: String) -> ObjectOrigin {
        ObjectOrigin(document: SourceLocation(file: "\(name).yaml", line: 1, column: 1))
    }

    static func host(_ name: String) -> Host {
        Host(name: name, connection: .local(root: "/tmp/oo/\(name)"), supervision: .direct, origin: origin(name))
    }

    static func project(
        _ name: String,
        _ mode: ProjectMode,
        hosts: [String],
        instances: Int,
        sites: [Site]
    ) -> Project {
        Project(
            name: name, mode: mode, placement: Placement(hosts: hosts, torInstances: instances), sites: sites,
            origin: origin(name))
    }

    static func site(_ onion: String, _ upstream: String) -> Site {
        Site(onion: onion, upstream: upstream, subdomains: ["www"], upstreamAddress: "127.0.0.1:8443")
    }

    /// Examples/hardmap-2: one hardmap project with two sites, one tor
    /// instance on each of three hosts.
    static let hardmap2 = Topology(
        hosts: ["edge-1", "edge-2", "edge-3"].map(host),
        projects: [
            project(
                "news", .hardmap, hosts: ["edge-1", "edge-2", "edge-3"], instances: 1,
                sites: [site(TestOnions.a, "example.org"), site(TestOnions.b, "example.com")])
        ]
    )

    /// Examples/softmap-ha: two frontends, 3 backends on each of two hosts,
    /// two publishers on hosts of their own.
    static let softmapHA = Topology(
        hosts: ["pub-1", "pub-2", "edge-1", "edge-2"].map(host),
        projects: [
            project(
                "news", .softmap, hosts: ["edge-1", "edge-2"], instances: 3,
                sites: [site(TestOnions.a, "example.org"), site(TestOnions.b, "example.net")])
        ],
        balancers: [Balancer(name: "news-front", project: "news", hosts: ["pub-1", "pub-2"], origin: origin("b"))]
    )

    /// Examples/hardmap-cpu: two projects on one host serving the same
    /// onions from their own tor daemons.
    static let hardmapCPU = Topology(
        hosts: [host("edge-1")],
        projects: ["news-a", "news-b"].map {
            project(
                $0, .hardmap, hosts: ["edge-1"], instances: 1,
                sites: [site(TestOnions.a, "example.org"), site(TestOnions.b, "example.net")])
        }
    )

    // MARK: - The model

    @Test("hardmap: each site onion -> every tor instance -> nginx -> upstream")
    func hardmap() throws {
        let graph = TopologyGraph(Self.hardmap2)
        #expect(graph.clusters.map(\.label) == ["edge-1", "edge-2", "edge-3"])
        #expect(graph.nodes.count == 10)
        #expect(count(graph, .tor) == 3 && count(graph, .nginx) == 3)
        #expect(count(graph, .siteOnion) == 2 && count(graph, .upstream) == 2)
        #expect(count(graph, .publisher) == 0 && count(graph, .frontendOnion) == 0)
        #expect(graph.edges.count == 15)
        #expect(edges(graph, .serves).count == 2 * 3)
        #expect(edges(graph, .proxies).count == 3)
        #expect(edges(graph, .fetches).count == 3 * 2)

        let onion = try #require(node(graph, TestOnions.a))
        #expect(onion.cluster == nil)
        #expect(onion.lines == [TestOnions.a, "site of news"])
        let served = Set(edges(graph, .serves).filter { $0.from == onion.id }.map(\.to))
        #expect(served == Set(graph.nodes.filter { $0.kind == .tor }.map(\.id)))

        // Each tor instance sits in its host and proxies to that host's nginx.
        for cluster in graph.clusters {
            let inside = graph.nodes(in: cluster.id)
            #expect(inside.map { $0.lines[0] } == ["tor-news-1", "nginx-news"])
            #expect(graph.edges.contains(Edge(from: inside[0].id, to: inside[1].id, kind: .proxies)))
        }
        let upstream = try #require(node(graph, "example.org"))
        #expect(upstream.lines == ["example.org", "via 127.0.0.1:8443"])
        #expect(edges(graph, .fetches).filter { $0.to == upstream.id }.count == 3)
    }

    @Test("softmap: frontend onion -> publishers -> every backend -> nginx -> upstream")
    func softmap() throws {
        let graph = TopologyGraph(Self.softmapHA)
        #expect(graph.clusters.map(\.label) == ["pub-1", "pub-2", "edge-1", "edge-2"])
        #expect(graph.nodes.count == 14)
        #expect(count(graph, .tor) == 6 && count(graph, .nginx) == 2 && count(graph, .publisher) == 2)
        #expect(count(graph, .frontendOnion) == 2 && count(graph, .upstream) == 2)
        #expect(count(graph, .siteOnion) == 0)
        #expect(graph.edges.count == 26)
        #expect(edges(graph, .publishes).count == 2 * 2)
        #expect(edges(graph, .balances).count == 2 * 6)
        #expect(edges(graph, .proxies).count == 6)
        #expect(edges(graph, .fetches).count == 2 * 2)
        #expect(edges(graph, .serves).isEmpty, "a frontend's key is only on its publishers")

        // The publishers run alone on their hosts.
        let pub1 = try #require(graph.clusters.first { $0.label == "pub-1" })
        #expect(graph.nodes(in: pub1.id).map(\.lines) == [["ob-news-front", "Onionbalance"]])

        let frontend = try #require(node(graph, TestOnions.b))
        #expect(frontend.kind == .frontendOnion)
        #expect(frontend.lines == [TestOnions.b, "frontend of news"])
        let publishers = Set(edges(graph, .publishes).filter { $0.from == frontend.id }.map(\.to))
        #expect(publishers == Set(graph.nodes.filter { $0.kind == .publisher }.map(\.id)))

        let edge2 = try #require(graph.clusters.first { $0.label == "edge-2" })
        let backend = try #require(graph.nodes(in: edge2.id).first { $0.lines[0] == "tor-news-3" })
        #expect(backend.lines == ["tor-news-3", "backend news edge-2 #3"])
        let balancedBy = edges(graph, .balances).filter { $0.to == backend.id }.map(\.from)
        #expect(Set(balancedBy) == publishers)
    }

    @Test("hardmap-cpu: a shared onion is one node pointing at both projects' tor daemons")
    func sharedOnions() throws {
        let graph = TopologyGraph(Self.hardmapCPU)
        #expect(count(graph, .siteOnion) == 2)
        #expect(count(graph, .tor) == 2 && count(graph, .nginx) == 2)
        let onion = try #require(node(graph, TestOnions.a))
        #expect(onion.lines == [TestOnions.a, "site of news-a, news-b"])
        let targets = edges(graph, .serves).filter { $0.from == onion.id }.compactMap { graph.node($0.to)?.lines[0] }
        #expect(targets == ["tor-news-a-1", "tor-news-b-1"])
    }

    // MARK: - The writers

    @Test("dot: clusters per host, one statement per node and edge")
    func dot() {
        let graph = TopologyGraph(Self.softmapHA)
        let dot = DotWriter.render(graph)
        let lines = dot.split(separator: "\n").map { $0.trimmingPrefix(while: \.isWhitespace) }
        #expect(lines.contains("digraph onionops {"))
        #expect(lines.filter { $0.hasPrefix("subgraph cluster_h") }.count == 4)
        #expect(lines.filter { $0.contains(" -> ") }.count == graph.edges.count)
        #expect(lines.filter { $0.hasPrefix("n") && $0.contains(" [label=") }.count == graph.nodes.count)
        #expect(lines.contains("label=\"edge-2\";"))
        #expect(dot.contains("[label=\"tor-news-3\\nbackend news edge-2 #3\", shape=box"))
        #expect(dot.hasSuffix("}\n"))
    }

    @Test("mermaid: a subgraph per host, one statement per node and edge")
    func mermaid() {
        let graph = TopologyGraph(Self.hardmap2)
        let chart = MermaidWriter.render(graph)
        let lines = chart.split(separator: "\n").map { $0.trimmingPrefix(while: \.isWhitespace) }
        #expect(lines.first == "flowchart LR")
        #expect(lines.filter { $0.hasPrefix("subgraph h") }.count == 3)
        #expect(lines.filter { $0 == "end" }.count == 3)
        #expect(lines.filter { $0.contains(" --> ") || $0.contains(" ==> ") || $0.contains(" -.-> ") }.count == 15)
        #expect(lines.contains("subgraph h2[\"edge-2\"]"))
        #expect(lines.contains { $0.hasSuffix("[(\"example.org<br/>via 127.0.0.1:8443\")]") })
        #expect(lines.contains { $0.hasPrefix("classDef tor ") })
    }

    @Test("ids are generated and labels escaped, whatever the names hold")
    func hostileNames() throws {
        let evil = "evil\"];\nx -> y {\\N} `#%"
        let topology = Topology(
            hosts: [Self.host(evil)],
            projects: [
                Self.project(
                    "p", .hardmap, hosts: [evil], instances: 1,
                    sites: [Site(onion: "o\"n<b>ion", upstream: "a\\b\"c")])
            ]
        )
        let graph = TopologyGraph(topology)
        #expect(graph.nodes.allSatisfy { $0.id.wholeMatch(of: /n[0-9]+/) != nil })
        #expect(graph.clusters.allSatisfy { $0.id.wholeMatch(of: /h[0-9]+/) != nil })

        let dot = DotWriter.render(graph)
        #expect(dot.contains("label=\"evil\\\"]; x -> y {\\\\N} `#%\";"))
        #expect(dot.contains("[label=\"a\\\\b\\\"c\", shape=note"))
        #expect(!dot.contains("\nx -> y"))

        let chart = MermaidWriter.render(graph)
        #expect(chart.contains("subgraph h1[\"evil#34;#93;#59;#10;x -#62; y #123;#92;N#125; #96;#35;#37;\"]"))
        #expect(chart.contains("([\"o#34;n#60;b#62;ion<br/>site of p\"])"))
        #expect(!chart.contains("<b>"))
        #expect(!chart.contains("\nx "))
    }

    // MARK: - Helpers

    typealias Edge = TopologyGraph.Edge

    private func count(_ graph: TopologyGraph, _ kind: TopologyGraph.NodeKind) -> Int {
        graph.nodes.filter { $0.kind == kind }.count
    }

    private func edges(_ graph: TopologyGraph, _ kind: TopologyGraph.EdgeKind) -> [Edge] {
        graph.edges.filter { $0.kind == kind }
    }

    private func node(_ graph: TopologyGraph, _ firstLine: String) -> TopologyGraph.Node? {
        graph.nodes.first { $0.lines.first == firstLine }
    }
}
