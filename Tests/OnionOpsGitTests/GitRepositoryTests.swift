import Foundation
import OnionOpsGit
import OnionOpsTestSupport
import Testing

/// The git source against real repositories made with the git CLI.
@Suite struct GitRepositoryTests {
    @Test(
        "a bare clone of a local path or file:// URL: branch, commit metadata and the manifest tree",
        arguments: [
            false, true,
        ])
    func cloneAndRead(fileURL: Bool) throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        try fixture.addManifests()
        let head = try fixture.commit("First manifests\n\nWith a body that is not the summary.")
        let url = fileURL ? "file://" + fixture.origin : fixture.origin

        let start = ContinuousClock.now
        let repository = try GitRepository.sync(url: url, cacheDirectory: fixture.cache)
        print("git clone of \(fileURL ? "file://" : "a local path"): \(milliseconds(since: start))")

        // A bare clone named by a hash of the URL: no work tree.
        #expect(repository.path.hasPrefix(fixture.cache + "/"))
        #expect((repository.path as NSString).lastPathComponent.count == 24)
        #expect(FileManager.default.fileExists(atPath: repository.path + "/HEAD"))
        #expect(!FileManager.default.fileExists(atPath: repository.path + "/manifests"))

        let commit = try repository.resolve(branch: "main")
        #expect(commit.id == head)
        #expect(commit.shortID == String(head.prefix(12)))
        #expect(commit.summary == "First manifests")
        #expect(commit.author == "Test Author <author@example.org>")
        #expect(commit.time == Int(try fixture.git(["log", "-1", "--format=%ct"])))

        let files = try repository.files(at: commit.id, under: "manifests")
        #expect(
            files == [
                "manifests/hosts.yaml": Array(GitFixture.hosts.utf8),
                "manifests/projects.yaml": Array(GitFixture.projects.utf8),
                "manifests/keys/abc.onion.age": GitFixture.sealedKey,
            ])
        #expect(try repository.files(at: commit.id, under: "./manifests/") == files)
        let whole = try repository.files(at: commit.id, under: "")
        #expect(Set(whole.keys) == Set(files.keys).union(["README.md", "other/notes.txt"]))
        #expect(try repository.files(at: commit.id, under: ".") == whole)
    }

    @Test("a push reaches the next sync by fetch; old commits stay readable; deleted branches go")
    func fetchSeesPushes() throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        try fixture.addManifests()
        let first = try fixture.commit("first")
        let repository = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
        #expect(try repository.resolve(branch: "main").id == first)

        try fixture.write("manifests/hosts.yaml", "changed: true\n")
        try fixture.write("manifests/balancers.yaml", "new: true\n")
        try FileManager.default.removeItem(atPath: fixture.work + "/manifests/projects.yaml")
        let second = try fixture.commit("second")
        try fixture.git(["push", "-q", "origin", "HEAD:feature"])

        let start = ContinuousClock.now
        let again = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
        print("git fetch of one new commit: \(milliseconds(since: start))")
        #expect(again.path == repository.path)
        let commit = try again.resolve(branch: "main")
        #expect(commit.id == second)
        #expect(commit.summary == "second")
        let files = try again.files(at: commit.id, under: "manifests")
        #expect(files["manifests/hosts.yaml"] == Array("changed: true\n".utf8))
        #expect(files["manifests/balancers.yaml"] == Array("new: true\n".utf8))
        #expect(files["manifests/projects.yaml"] == nil)
        #expect(try again.files(at: first, under: "manifests")["manifests/projects.yaml"] != nil)
        #expect(try again.resolve(branch: "feature").id == second)

        var timings: [String] = []
        for _ in 0..<5 {
            let noOp = ContinuousClock.now
            let same = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
            timings.append(milliseconds(since: noOp))
            #expect(try same.resolve(branch: "main").id == second)
        }
        print("git no-op sync (open + fetch), 5 runs: \(timings.joined(separator: ", "))")

        try fixture.git(["push", "-q", "origin", "--delete", "feature"])
        let pruned = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
        let error = #expect(throws: GitError.self) { try pruned.resolve(branch: "feature") }
        #expect(error?.code == .noSuchBranch)
    }

    @Test("a missing branch, folder, commit or repository is an error that names it")
    func missingThingsAreNamed() throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        try fixture.addManifests()
        let head = try fixture.commit("first")
        let repository = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)

        let branch = #expect(throws: GitError.self) { try repository.resolve(branch: "prod") }
        #expect(branch?.code == .noSuchBranch)
        #expect(branch?.message == "no branch 'prod' in \(fixture.origin) (branches: main)")
        let invalid = #expect(throws: GitError.self) { try repository.resolve(branch: "a..b") }
        #expect(invalid?.code == .noSuchBranch)

        let folder = #expect(throws: GitError.self) { try repository.files(at: head, under: "deploy/manifests") }
        #expect(folder?.code == .noSuchPath)
        #expect(folder?.message.contains("no folder 'deploy/manifests'") == true)
        let file = #expect(throws: GitError.self) { try repository.files(at: head, under: "README.md") }
        #expect(file?.code == .noSuchPath)
        #expect(file?.message.contains("'README.md'") == true)
        let escape = #expect(throws: GitError.self) { try repository.files(at: head, under: "../etc") }
        #expect(escape?.code == .noSuchPath)

        let absent = String(repeating: "ab", count: 20)
        let commit = #expect(throws: GitError.self) { try repository.files(at: absent, under: "") }
        #expect(commit?.code == .noSuchPath)
        #expect(commit?.message.contains(absent) == true)
        // A missing commit is not an unsigned one.
        let signatureLookup = #expect(throws: GitError.self) { try repository.signature(of: absent) }
        #expect(signatureLookup?.code == .noSuchPath)
        let short = #expect(throws: GitError.self) { try repository.files(at: "abc", under: "") }
        #expect(short?.code == .noSuchPath)

        let missing = fixture.folder.path + "/no-such.git"
        for url in [missing, "file://" + missing] {
            let error = #expect(throws: GitError.self) {
                try GitRepository.sync(url: url, cacheDirectory: fixture.cache)
            }
            #expect(error?.code == .noSuchRepository)
            #expect(error?.message == "no repository at \(url)")
        }
        let empty = fixture.folder.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let notRepository = #expect(throws: GitError.self) {
            try GitRepository.sync(url: empty, cacheDirectory: fixture.cache)
        }
        #expect(notRepository?.code == .clone)
        #expect(notRepository?.message.contains(empty) == true)
        let scheme = #expect(throws: GitError.self) {
            try GitRepository.sync(url: "ftp://example.org/ops.git", cacheDirectory: fixture.cache)
        }
        #expect(scheme?.code == .unsupported)
        // Nothing listens on port 1: a quick refusal, and the password stays out of the message.
        let refused = #expect(throws: GitError.self) {
            try GitRepository.sync(url: "https://ops:s3cret@127.0.0.1:1/ops.git", cacheDirectory: fixture.cache)
        }
        #expect(refused?.code == .clone)
        #expect(refused?.message.contains("https://ops:***@127.0.0.1:1/ops.git") == true)
        #expect(refused?.message.contains("s3cret") == false)

        // The origin goes away after the clone: the fetch says so.
        try FileManager.default.removeItem(atPath: fixture.origin)
        let gone = #expect(throws: GitError.self) {
            try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
        }
        #expect(gone?.code == .noSuchRepository)
        #expect(gone?.message.contains(fixture.origin) == true)
    }

    @Test("symlinks and submodules in the tree are refused, naming the path")
    func symlinksAndSubmodulesRefused() throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        try fixture.addManifests()
        try FileManager.default.createSymbolicLink(
            atPath: fixture.work + "/manifests/link.yaml", withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: fixture.work + "/linked", withDestinationPath: "manifests")
        let head = try fixture.commit("with symlinks")
        let repository = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)

        let link = #expect(throws: GitError.self) { try repository.files(at: head, under: "manifests") }
        #expect(link?.code == .unsupported)
        #expect(link?.message.contains("manifests/link.yaml") == true)
        #expect(link?.message.contains("symlink") == true)
        let linkedFolder = #expect(throws: GitError.self) { try repository.files(at: head, under: "linked") }
        #expect(linkedFolder?.code == .unsupported)
        #expect(linkedFolder?.message.contains("linked") == true)
        // Folders without one still read.
        #expect(try repository.files(at: head, under: "other").keys.sorted() == ["other/notes.txt"])

        // A gitlink straight into the index (`add -A` would drop it: no
        // folder in the work tree).
        try fixture.git(["rm", "-q", "--cached", "manifests/link.yaml"])
        try fixture.git(["update-index", "--add", "--cacheinfo", "160000,\(head),manifests/vendor"])
        try fixture.git(["commit", "-q", "-m", "with a submodule"])
        try fixture.git(["push", "-q", "origin", "HEAD:main"])
        let withSubmodule = try fixture.git(["rev-parse", "HEAD"])
        let fetched = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
        let submodule = #expect(throws: GitError.self) { try fetched.files(at: withSubmodule, under: "manifests") }
        #expect(submodule?.code == .unsupported)
        #expect(submodule?.message.contains("manifests/vendor") == true)
        #expect(submodule?.message.contains("submodule") == true)
    }

    @Test(
        "a local repository owned by another user is refused with a message that says so",
        .enabled(if: getuid() == 0, "chown needs root"))
    func foreignOwner() throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        try fixture.addManifests()
        try fixture.commit("first")
        let chown = try Command.run("/bin/chown", ["-R", "nobody", fixture.origin])
        #expect(chown.succeeded, "\(chown.output)")
        let error = #expect(throws: GitError.self) {
            try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
        }
        #expect(error?.code == .clone)
        #expect(error?.message.contains("\(fixture.origin) is owned by another user") == true)
        #expect(error?.message.contains("safe.directory") == true)
    }

    @Test("a tree over the byte or entry bound is refused")
    func boundsRefuseLargeTrees() throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        try fixture.addManifests()
        let head = try fixture.commit("first")
        let repository = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
        let bytes = #expect(throws: GitError.self) { try repository.files(at: head, under: "manifests", maxBytes: 64) }
        #expect(bytes?.code == .tooLarge)
        let entries = #expect(throws: GitError.self) {
            try repository.files(at: head, under: "manifests", maxEntries: 2)
        }
        #expect(entries?.code == .tooLarge)
        #expect(try repository.files(at: head, under: "manifests", maxBytes: 1024, maxEntries: 4).count == 3)
    }
}
