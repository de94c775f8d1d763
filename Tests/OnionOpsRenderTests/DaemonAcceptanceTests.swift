import Foundation
import OnionOpsCore
import OnionOpsRender
import OnionOpsTestSupport
import Testing

/// The daemons themselves judge what we render: every torrc passes
/// `tor --verify-config` as the user tor runs as, every nginx.conf passes
/// `nginx -t`, with the rendered folders in place.
@Suite("rendered configs accepted by tor and nginx", .enabled(if: Command.isRoot, "needs root to set owners"))
struct DaemonAcceptanceTests {
    @Test("every topology", arguments: RenderFixtures.topologyNames)
    func accepted(name: String) async throws {
        let topology = try await RenderFixtures.topology(name)
        let certificate = try TestCertificate.make()
        let keys = try await RenderFixtures.keyring(name, topology)
        let sandbox = try RenderFixtures.placeInSandbox(
            topology,
            certificate: certificate,
            renderer: Renderer(identities: keys.identities, keys: keys.material)
        )
        defer { sandbox.folder.remove() }

        var torrcs = 0
        var nginxConfigs = 0
        for host in sandbox.state.hosts {
            let layout = HostLayout(root: host.root)
            let hostSpec = try #require(sandbox.topology.host(named: host.host))
            for file in host.files {
                let path = layout.resolve(file.path)
                if file.path.hasSuffix(".torrc") {
                    let user = file.path.contains("/balancers/") ? hostSpec.onionbalance.user : hostSpec.tor.user
                    let result = try Command.run(as: user, hostSpec.tor.binary, ["--verify-config", "-f", path])
                    #expect(result.succeeded, "\(host.host) \(file.path):\n\(problems(result.output))")
                    torrcs += 1
                } else if file.path.hasSuffix("nginx.conf") {
                    let result = try Command.run(
                        hostSpec.nginx.binary,
                        ["-t", "-q", "-c", path, "-p", host.root, "-e", host.root + "/nginx-test.log"]
                    )
                    #expect(result.succeeded, "\(host.host) \(file.path):\n\(result.output)")
                    nginxConfigs += 1
                }
            }
        }
        let expectedTor =
            topology.projects.reduce(0) { $0 + $1.placement.hosts.count * $1.placement.torInstances }
            + topology.balancers.reduce(0) { $0 + $1.hosts.count }
        #expect(torrcs == expectedTor)
        #expect(nginxConfigs == topology.projects.reduce(0) { $0 + $1.placement.hosts.count })
    }

    /// tor's warnings and errors, without its start-up notices.
    private func problems(_ output: String) -> String {
        output.split(separator: "\n").filter { $0.contains("[warn]") || $0.contains("[err]") }.joined(separator: "\n")
    }
}
