import Foundation
import OnionOpsCore
import OnionOpsEngine
import OnionOpsTestSupport
import Testing

/// The engine's one naming scheme and digest: a folder is named by its
/// content, whoever reads it; a link in it leaves no digest; a selection
/// with an unknown host is an error value.
@Suite("revision snapshots and host selections")
struct RevisionSnapshotTests {
    func copyOfManifests() throws -> (TemporaryFolder, String) {
        let folder = try TemporaryFolder(prefix: "oo-snap")
        let manifests = folder.path + "/manifests"
        try FileManager.default.copyItem(atPath: RepositoryPaths.manifests.path, toPath: manifests)
        return (folder, manifests)
    }

    @Test("a folder is named folder- and its content digest; any file's change renames it, sealed keys included")
    func naming() async throws {
        let (folder, manifests) = try copyOfManifests()
        defer { folder.remove() }
        let first = await RevisionSnapshot.read(folder: manifests)
        let again = try await FolderRevisionSource(path: manifests).latest()
        #expect(first.id.hasPrefix("folder-") && first.id.count == "folder-".count + 16)
        #expect(first.id == again.id && first.inputs == again.inputs && first.inputs != nil)
        #expect(first.id == "folder-" + first.contentDigest.prefix(16))
        #expect(try first.manifests.get().contains { $0.path.hasSuffix("/hosts.yaml") })
        #expect(try !first.manifests.get().contains { $0.path.contains("/keys/") }, "keys are not manifests")

        let key = try #require(
            try FileManager.default.contentsOfDirectory(atPath: manifests + "/keys").first { $0.hasSuffix(".age") })
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: manifests + "/keys/" + key))
        let changed = await RevisionSnapshot.read(folder: manifests)
        #expect(changed.id != first.id && changed.inputs != first.inputs)

        // A commit names itself; the content still goes into the digest.
        let commit = await RevisionSnapshot.read(folder: manifests, commit: String(repeating: "a", count: 40))
        #expect(commit.id == String(repeating: "a", count: 40) && commit.inputs == changed.inputs)
    }

    @Test("a link anywhere in the folder: no inputs digest (no shortcut), and intake refuses it")
    func linkRefused() async throws {
        let (folder, manifests) = try copyOfManifests()
        defer { folder.remove() }
        try FileManager.default.createSymbolicLink(
            atPath: manifests + "/keys/extra.age", withDestinationPath: "/etc/shadow")
        let snapshot = await RevisionSnapshot.read(folder: manifests)
        #expect(snapshot.inputs == nil)
        let engine = Engine(identity: .init(path: RepositoryPaths.demoIdentity.path, source: .flag))
        await #expect {
            try await engine.topology(snapshot)
        } throws: { error in
            guard let error = error as? EngineError, error.code == .invalidManifests else { return false }
            return error.diagnostics.contains { $0.location?.file.hasSuffix("keys/extra.age") == true }
        }
    }

    @Test("a selection naming an unknown host is an error naming it and listing the hosts")
    func unknownHost() async throws {
        let snapshot = await RevisionSnapshot.read(folder: RepositoryPaths.manifests.path)
        let engine = Engine(identity: .init(path: RepositoryPaths.demoIdentity.path, source: .flag))
        let topology = try await engine.topology(snapshot)
        #expect(
            try HostSelection(commaSeparated: " edge-2 ,").resolve(in: topology, source: "m").map(\.name) == ["edge-2"])
        #expect(try HostSelection.all.resolve(in: topology, source: "m").count == topology.hosts.count)
        do {
            _ = try HostSelection(["edge-1", "nosuch"]).resolve(in: topology, source: "m")
            Issue.record("an unknown host was accepted")
        } catch {
            #expect(error.code == .unknownHost)
            #expect(error.message == "no host 'nosuch' in m; hosts: edge-1, edge-2", "\(error.message)")
        }
    }
}
