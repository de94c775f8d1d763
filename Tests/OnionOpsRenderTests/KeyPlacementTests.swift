import OnionOpsCore
import OnionOpsKeys
import OnionOpsRender
import OnionOpsTestSupport
import Testing

/// Scans every file rendered for every host for key material and proves
/// each key is where it belongs and nowhere else: a hardmap site's key on
/// its project's hosts, a softmap frontend's key only on its publishers, a
/// backend's key only on its own host, and every needed key present.
@Suite("key placement")
struct KeyPlacementTests {
    /// Addresses whose secret key may (and must) be on each host, worked
    /// out from the topology alone, not from the renderer.
    static func allowed(_ topology: Topology, backends: (BackendID) -> OnionAddress) -> [String: Set<String>] {
        var allowed: [String: Set<String>] = [:]
        for project in topology.projects {
            for host in project.placement.hosts {
                switch project.mode {
                case .hardmap:
                    allowed[host, default: []].formUnion(project.sites.map(\.onion))
                case .softmap:
                    for instance in 1...project.placement.torInstances {
                        let id = BackendID(project: project.name, host: host, instance: instance)
                        allowed[host, default: []].insert(backends(id).description)
                    }
                }
            }
        }
        for balancer in topology.balancers {
            let frontends = topology.project(named: balancer.project)?.sites.map(\.onion) ?? []
            for host in balancer.hosts { allowed[host, default: []].formUnion(frontends) }
        }
        return allowed
    }

    @Test("keys only where they belong, in every topology", arguments: RenderFixtures.topologyNames)
    func placement(name: String) async throws {
        let topology = try await RenderFixtures.topology(name)
        let keys = try await RenderFixtures.keyring(name, topology)
        let state = try Renderer(identities: keys.identities, keys: keys.material).render(topology)
        let allowed = Self.allowed(topology) { keys.identities.address(of: $0) }

        for host in state.hosts {
            var found: Set<String> = []
            for file in host.files {
                guard let kind = PlaintextKeyDetector.detect(file.content) else {
                    #expect(!file.isSecret, "\(host.host) \(file.path) is marked secret but holds no key")
                    continue
                }
                #expect(file.isSecret, "\(host.host) \(file.path) holds a key but is not marked secret")
                #expect(file.mode == 0o600, "\(host.host) \(file.path) mode \(String(file.mode, radix: 8))")
                if kind == .pemPrivateKey {
                    // A TLS key: only in the tls folder of a project this host serves.
                    let served = topology.projects.filter { $0.placement.hosts.contains(host.host) }
                    #expect(
                        served.contains { file.path.hasPrefix(HostLayout.tlsDirectory(project: $0.name) + "/") },
                        "\(host.host) holds a TLS key at \(file.path) for a project it does not serve"
                    )
                    continue
                }
                let address = try OnionKey(torSecretKeyFile: file.content).address.description
                #expect(
                    allowed[host.host, default: []].contains(address),
                    "\(host.host) holds the key of \(address) in \(file.path), which does not belong there"
                )
                found.insert(address)
            }
            #expect(found == allowed[host.host, default: []], "\(host.host) is missing keys it needs")
        }
    }

    @Test("in softmap-4 no backend host holds a frontend key")
    func dedicatedPublisher() async throws {
        let topology = try await RenderFixtures.topology("softmap-4")
        let state = try await RenderFixtures.render("softmap-4", topology)
        let frontends = Set(topology.projects.flatMap { $0.sites.map(\.onion) })
        for host in state.hosts where !topology.balancers.contains(where: { $0.hosts.contains(host.host) }) {
            for file in host.files where file.isSecret && !file.path.contains("/tls/") {
                let address = try OnionKey(torSecretKeyFile: file.content).address.description
                #expect(!frontends.contains(address), "backend host \(host.host) holds frontend key \(address)")
            }
        }
    }
}
