import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsSecrets
import OnionOpsTestSupport

/// Loading and rendering the repository's topologies for render tests.
enum RenderFixtures {
    /// Examples/* and manifests/, by display name.
    static var topologyFolders: [(name: String, path: String)] {
        let examples = (try? RepositoryPaths.exampleFolders()) ?? []
        return examples.map { ($0.lastPathComponent, $0.path) } + [("manifests", RepositoryPaths.manifests.path)]
    }

    static var topologyNames: [String] { topologyFolders.map(\.name) }

    static func path(of name: String) -> String {
        topologyFolders.first { $0.name == name }?.path ?? name
    }

    static func topology(_ name: String) async throws -> Topology {
        let result = await ManifestLoader().load(from: FolderManifestSource(path: path(of: name)))
        guard result.isValid else {
            throw SandboxTree.Failure(description: result.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return result.topology
    }

    /// The example's sealed keys, opened with the demo identity.
    static func keyring(_ name: String, _ topology: Topology, withKeyFiles: Bool = true) async throws -> Keyring {
        try await Keyring.open(
            for: topology,
            store: SealedKeyStore(folder: path(of: name) + "/keys"),
            identityFile: RepositoryPaths.demoIdentity.path,
            withKeyFiles: withKeyFiles
        )
    }

    /// Renders a repository topology with its real (demo-sealed) keys.
    static func render(_ name: String, _ topology: Topology) async throws -> DesiredState {
        let keys = try await keyring(name, topology)
        return try Renderer(identities: keys.identities, keys: keys.material).render(topology)
    }

    /// Renders `topology` relocated under a fresh sandbox, puts every host's
    /// tree in place, and adds a test certificate wherever nginx expects
    /// one that the render did not provide.
    static func placeInSandbox(
        _ topology: Topology,
        certificate: TestCertificate,
        renderer: Renderer = Renderer(identities: TestBackendIdentities())
    ) throws -> (folder: TemporaryFolder, topology: Topology, state: DesiredState) {
        let folder = try TemporaryFolder(prefix: "oo-r")
        let moved = SandboxTree.relocate(topology, under: folder.path)
        let state = try renderer.render(moved)
        for host in state.hosts {
            try SandboxTree.write(host, root: host.root)
            let layout = HostLayout(root: host.root)
            for project in moved.projects where project.placement.hosts.contains(host.host) {
                if project.nginx.tls.scope == .project {
                    // The umbrella certificate, shared by every site.
                    let path = HostLayout.tlsProjectCertificate(project: project.name)
                    guard host.file(at: path) == nil else { continue }
                    try certificate.certificatePEM.write(to: URL(fileURLWithPath: layout.resolve(path)))
                    try certificate.keyPEM.write(
                        to: URL(fileURLWithPath: layout.resolve(HostLayout.tlsProjectKey(project: project.name))))
                    continue
                }
                for site in project.sites {
                    guard case .success(let address) = OnionAddress.parse(site.onion),
                        host.file(at: HostLayout.tlsCertificate(project: project.name, site: address)) == nil
                    else { continue }
                    try certificate.certificatePEM.write(
                        to: URL(
                            fileURLWithPath: layout.resolve(
                                HostLayout.tlsCertificate(project: project.name, site: address)))
                    )
                    try certificate.keyPEM.write(
                        to: URL(
                            fileURLWithPath: layout.resolve(HostLayout.tlsKey(project: project.name, site: address)))
                    )
                }
            }
        }
        return (folder, moved, state)
    }
}
