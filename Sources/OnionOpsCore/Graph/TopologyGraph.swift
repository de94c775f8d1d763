/// A topology as a diagram, the way the Onionspray load-balancing guide
/// draws one: each host a cluster holding its tor instances, nginx and
/// Onionbalance publishers; the onion addresses and upstream sites outside;
/// edges for how a request travels.
///
/// Hardmap: each site onion -> every tor instance that holds its key ->
/// the project's nginx -> the upstream. Softmap: each frontend onion -> the
/// publishers holding its key -> every backend tor instance (each with its
/// own derived address) -> nginx -> upstream.
///
/// Node and cluster ids are generated (`n1`, `h1`), never taken from the
/// manifests, so writers can use them unquoted; only labels carry user
/// text, and each writer escapes them for its format.
public struct TopologyGraph: Sendable, Hashable {
    public enum NodeKind: String, Sendable, Hashable, CaseIterable {
        /// A hardmap site: every tor instance of the project publishes and
        /// serves it.
        case siteOnion
        /// A softmap frontend: Onionbalance publishes it from the backends'
        /// introduction points.
        case frontendOnion
        case tor
        case nginx
        case publisher
        case upstream
    }

    public enum EdgeKind: String, Sendable, Hashable, CaseIterable {
        /// Hardmap onion -> a tor instance holding its key.
        case serves
        /// Softmap frontend -> a publisher holding its key.
        case publishes
        /// Publisher -> a backend whose introduction points it merges.
        case balances
        /// tor -> nginx, over unix sockets.
        case proxies
        /// nginx -> the upstream site.
        case fetches
    }

    public struct Node: Sendable, Hashable {
        public var id: String
        public var kind: NodeKind
        /// Label lines, plain text; writers escape them.
        public var lines: [String]
        /// The id of the host cluster it sits in, if any.
        public var cluster: String?

        public init(id: String, kind: NodeKind, lines: [String], cluster: String?) {
            self.id = id
            self.kind = kind
            self.lines = lines
            self.cluster = cluster
        }
    }

    public struct Cluster: Sendable, Hashable {
        public var id: String
        /// The host's name, plain text.
        public var label: String

        public init(id: String, label: String) {
            self.id = id
            self.label = label
        }
    }

    public struct Edge: Sendable, Hashable {
        public var from: String
        public var to: String
        public var kind: EdgeKind

        public init(from: String, to: String, kind: EdgeKind) {
            self.from = from
            self.to = to
            self.kind = kind
        }
    }

    /// Hosts, in manifest order.
    public private(set) var clusters: [Cluster] = []
    /// Daemons host by host, then onions and upstreams as the projects name
    /// them.
    public private(set) var nodes: [Node] = []
    public private(set) var edges: [Edge] = []

    /// Ids already handed out, by what they stand for.
    private var ids: [NodeKey: String] = [:]
    private var edgeSet: Set<Edge> = []

    private enum NodeKey: Hashable {
        case daemon(host: String, DaemonInstance)
        case onion(String)
        case upstream(name: String, address: String?)
    }

    public init(_ topology: Topology) {
        // Hosts referenced but not declared (an invalid topology) still get
        // a cluster, so nothing placed on them disappears from the picture.
        var hostNames = topology.hosts.map(\.name)
        let referenced = topology.projects.flatMap(\.placement.hosts) + topology.balancers.flatMap(\.hosts)
        for name in referenced where !hostNames.contains(name) { hostNames.append(name) }

        for host in hostNames {
            let cluster = Cluster(id: "h\(clusters.count + 1)", label: host)
            clusters.append(cluster)
            for instance in topology.instances(on: host) {
                addNode(.daemon(host: host, instance), kind(of: instance), label(instance, host: host), cluster.id)
            }
        }

        for project in topology.projects {
            let hosts = project.placement.hosts.filter(hostNames.contains)
            let torInstances = hosts.flatMap { host in
                (1...max(project.placement.torInstances, 1)).compactMap {
                    ids[.daemon(host: host, .tor(project: project.name, index: $0, mode: project.mode))]
                }
            }
            for site in project.sites {
                let onion = onionNode(site.onion, project: project, topology: topology)
                switch project.mode {
                case .hardmap:
                    for tor in torInstances { addEdge(onion, tor, .serves) }
                case .softmap:
                    for publisher in publishers(of: project, topology) { addEdge(onion, publisher, .publishes) }
                }
            }
            if project.mode == .softmap {
                for publisher in publishers(of: project, topology) {
                    for tor in torInstances { addEdge(publisher, tor, .balances) }
                }
            }
            for host in hosts {
                guard let nginx = ids[.daemon(host: host, .nginx(project: project.name))] else { continue }
                for index in 1...max(project.placement.torInstances, 1) {
                    let tor = DaemonInstance.tor(project: project.name, index: index, mode: project.mode)
                    if let tor = ids[.daemon(host: host, tor)] { addEdge(tor, nginx, .proxies) }
                }
                for site in project.sites { addEdge(nginx, upstreamNode(site), .fetches) }
            }
        }
    }

    public func node(_ id: String) -> Node? { nodes.first { $0.id == id } }

    public func nodes(in cluster: String?) -> [Node] { nodes.filter { $0.cluster == cluster } }

    // MARK: - Building

    private func kind(of instance: DaemonInstance) -> NodeKind {
        switch instance {
        case .tor: .tor
        case .nginx: .nginx
        case .publisher: .publisher
        }
    }

    private func label(_ instance: DaemonInstance, host: String) -> [String] {
        switch instance {
        case .tor(let project, let index, .softmap):
            // A backend's address is derived from the project's sealed
            // secret, so the graph names the backend rather than showing it.
            [instance.description, "backend \(project) \(host) #\(index)"]
        case .tor, .nginx:
            [instance.description]
        case .publisher:
            [instance.description, "Onionbalance"]
        }
    }

    /// One node per address: in the hardmap-cpu pattern two projects serve
    /// the same onions.
    private mutating func onionNode(_ onion: String, project: Project, topology: Topology) -> String {
        if let id = ids[.onion(onion)] { return id }
        let serving = topology.projects.filter { $0.sites.contains { $0.onion == onion } }.map(\.name)
        let description =
            project.mode == .softmap
            ? "frontend of \(serving.joined(separator: ", "))"
            : "site of \(serving.joined(separator: ", "))"
        return addNode(
            .onion(onion), project.mode == .softmap ? .frontendOnion : .siteOnion, [onion, description], nil)
    }

    private mutating func upstreamNode(_ site: Site) -> String {
        let key = NodeKey.upstream(name: site.upstream, address: site.upstreamAddress)
        if let id = ids[key] { return id }
        let lines = [site.upstream] + (site.upstreamAddress.map { ["via \($0)"] } ?? [])
        return addNode(key, .upstream, lines, nil)
    }

    private func publishers(of project: Project, _ topology: Topology) -> [String] {
        topology.balancers(of: project.name).flatMap { balancer in
            balancer.hosts.compactMap {
                ids[.daemon(host: $0, .publisher(balancer: balancer.name, project: project.name))]
            }
        }
    }

    @discardableResult
    private mutating func addNode(_ key: NodeKey, _ kind: NodeKind, _ lines: [String], _ cluster: String?) -> String {
        if let id = ids[key] { return id }
        let id = "n\(nodes.count + 1)"
        ids[key] = id
        nodes.append(Node(id: id, kind: kind, lines: lines, cluster: cluster))
        return id
    }

    private mutating func addEdge(_ from: String, _ to: String, _ kind: EdgeKind) {
        let edge = Edge(from: from, to: to, kind: kind)
        if edgeSet.insert(edge).inserted { edges.append(edge) }
    }
}
