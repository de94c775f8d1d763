import Foundation
import OnionOpsGit
import OnionOpsManifest
import Testing

@Suite struct GitSnapshotTests {
    @Test("a commit's manifest folder exported for the folder pipeline: 0700 folders, 0600 files")
    func exportFeedsTheFolderSource() async throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        try fixture.addManifests()
        let head = try fixture.commit("first")
        let repository = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
        let files = try repository.files(at: head, under: "manifests")

        let target = fixture.folder.path + "/revisions/" + head
        let folder = try GitSnapshot.export(files: files, root: "manifests", into: target)
        #expect(folder == target + "/manifests")
        #expect(try mode(target) == 0o700)
        #expect(try mode(folder + "/keys") == 0o700)
        #expect(try mode(folder + "/hosts.yaml") == 0o600)
        #expect(try mode(folder + "/keys/abc.onion.age") == 0o600)
        #expect(FileManager.default.contents(atPath: folder + "/keys/abc.onion.age") == Data(GitFixture.sealedKey))
        #expect(!FileManager.default.fileExists(atPath: target + "/README.md"))

        let manifests = try await FolderManifestSource(path: folder).manifestFiles(maxBytes: 1 << 20)
        #expect(manifests.map(\.path) == [folder + "/hosts.yaml", folder + "/projects.yaml"])

        let whole = try GitSnapshot.export(
            files: try repository.files(at: head, under: ""), root: ".", into: fixture.folder.path + "/whole")
        #expect(whole == fixture.folder.path + "/whole")
        #expect(FileManager.default.fileExists(atPath: whole + "/other/notes.txt"))
    }

    @Test("export refuses a folder in use and paths that leave it")
    func exportRefuses() throws {
        let scratch = try GitFixture()
        defer { scratch.remove() }
        let used = scratch.folder.path + "/used"
        try FileManager.default.createDirectory(atPath: used, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: used + "/old", contents: Data())
        let inUse = #expect(throws: GitError.self) {
            try GitSnapshot.export(files: ["a.yaml": []], root: "", into: used)
        }
        #expect(inUse?.code == .io)
        #expect(inUse?.message.contains(used) == true)
        for path in ["../escape.yaml", "a/../../b.yaml", "/etc/x.yaml"] {
            let error = #expect(throws: GitError.self) {
                try GitSnapshot.export(files: [path: []], root: "", into: scratch.folder.path + "/out-\(path.count)")
            }
            #expect(error?.code == .unsupported)
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.folder.path + "/escape.yaml"))
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
    }
}
