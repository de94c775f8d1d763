import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsTestSupport
import Testing

@Suite("Examples/ and manifests/")
struct ExampleManifestsTests {
    static let expectedExamples = [
        "hardmap-1", "hardmap-2", "hardmap-cpu", "softmap-1", "softmap-2", "softmap-3", "softmap-4", "softmap-ha",
    ]

    @Test("there is one example folder per DESIGN.md topology, each with a README")
    func examplesPresent() throws {
        let names = try RepositoryPaths.exampleFolders().map(\.lastPathComponent)
        for name in Self.expectedExamples {
            #expect(names.contains(name), "Examples/\(name) is missing")
            let readme = RepositoryPaths.examples.appendingPathComponent("\(name)/README.md").path
            #expect(FileManager.default.fileExists(atPath: readme), "\(readme) is missing")
        }
    }

    static var allFolders: [String] {
        let examples = (try? RepositoryPaths.exampleFolders().map(\.path)) ?? []
        return examples + [RepositoryPaths.manifests.path]
    }

    @Test("every manifest folder validates clean", arguments: allFolders)
    func validatesClean(folder: String) async throws {
        let result = await ManifestLoader().load(from: FolderManifestSource(path: folder))
        #expect(result.diagnostics.map(\.description) == [])
        #expect(!result.topology.hosts.isEmpty)
        #expect(!result.topology.projects.isEmpty)
    }

    @Test("examples have the shape their names promise")
    func shapes() async throws {
        func topology(_ name: String) async -> Topology {
            await ManifestLoader().load(
                from: FolderManifestSource(path: RepositoryPaths.examples.appendingPathComponent(name).path)
            )
            .topology
        }
        let cpu = await topology("hardmap-cpu")
        #expect(cpu.hosts.count == 1)
        #expect(cpu.projects.count >= 2)
        #expect(
            Set(cpu.projects.map { Set($0.sites.map(\.onion)) }).count == 1,
            "hardmap-cpu projects serve the same onions")

        let dedicated = await topology("softmap-4")
        let publishers = Set(dedicated.balancers.flatMap(\.hosts))
        let backends = Set(dedicated.projects.flatMap(\.placement.hosts))
        #expect(!publishers.isEmpty)
        #expect(publishers.isDisjoint(with: backends), "softmap-4 publishers run no backends")

        let ha = await topology("softmap-ha")
        #expect(ha.balancers.allSatisfy { $0.hosts.count >= 2 })

        let three = await topology("softmap-3")
        #expect(three.projects.contains { $0.mode == .softmap && $0.placement.hosts.count >= 3 })

        let demo = await ManifestLoader().load(from: FolderManifestSource(path: RepositoryPaths.manifests.path))
            .topology
        #expect(Set(demo.projects.map(\.mode)) == [.hardmap, .softmap])
        #expect(demo.hosts.count == 2)
    }
}
