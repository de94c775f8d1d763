import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsTestSupport
import Testing

/// Hosts supervised by systemd (or auto) get their daemons' units in the
/// rendered state; direct hosts get none.
@Suite("systemd units in the rendered state")
struct SystemdRenderTests {
    @Test("systemd and auto hosts carry a unit per daemon; direct hosts none", arguments: Supervision.allCases)
    func units(supervision: Supervision) async throws {
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: RepositoryPaths.manifests.path))
        var topology = loaded.topology
        for index in topology.hosts.indices { topology.hosts[index].supervision = supervision }
        let host = try #require(topology.host(named: "edge-2"))
        let state = try Renderer(identities: TestBackendIdentities()).render(topology, host: host)
        let units = state.files.filter { $0.path.hasPrefix(HostLayout.systemdUnitDirectory + "/") }
        if supervision == .direct {
            #expect(units.isEmpty)
        } else {
            // tor x3 and nginx x2 on edge-2, plus the publisher's tor and Onionbalance.
            #expect(units.count == state.instances.count + 1, "\(units.map(\.path))")
            #expect(units.allSatisfy { $0.path.hasSuffix(".service") && $0.instance != nil })
            #expect(state.directories.contains { $0.path == HostLayout.systemdUnitDirectory })
        }
    }
}
