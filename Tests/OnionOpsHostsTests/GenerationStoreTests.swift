import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

@Suite("generations on a host")
struct GenerationStoreTests {
    static func state(_ revision: Int) -> HostDesiredState {
        HostDesiredState(
            host: "edge-1",
            root: "/",
            instances: [],
            directories: [ManagedDirectory(path: "/etc/onionops/projects/news")],
            files: [
                ManagedFile(path: "/etc/onionops/projects/news/tor1.torrc", text: "# revision \(revision)\n"),
                ManagedFile(
                    path: "/var/lib/onionops/p/news/tor1/hs-x/hs_ed25519_secret_key",
                    content: [UInt8](repeating: UInt8(revision), count: 96),
                    mode: 0o600,
                    owner: "root",
                    isSecret: true
                ),
            ]
        )
    }

    @Test("record, load back byte for byte, keep only the last N")
    func recordAndPrune() async throws {
        let folder = try TemporaryFolder(prefix: "oo-gen")
        defer { folder.remove() }
        let store = GenerationStore(transport: LocalTransport(host: "edge-1", root: folder.path), keep: 3)
        for revision in 1...5 {
            try await store.record(Self.state(revision), commit: "c\(revision)")
        }
        let (numbers, current) = try await store.index()
        #expect(numbers == [3, 4, 5])
        #expect(current == 5)
        let loaded = try #require(try await store.load(4))
        #expect(loaded.commit == "c4")
        #expect(loaded.state.files.map(\.content) == Self.state(4).files.map(\.content))
        #expect(loaded.state.files.map(\.isSecret) == [false, true])
        #expect(loaded.state.directories == Self.state(4).directories)
        // Pruned generations leave nothing behind.
        let kept = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/var/lib/onionops/generations")
            .sorted()
        #expect(kept == ["3", "4", "5", "current", "index"])
        #expect(try await store.load(1) == nil)
    }

    @Test("a stored file that no longer matches its hash is not loaded")
    func tampered() async throws {
        let folder = try TemporaryFolder(prefix: "oo-gen")
        defer { folder.remove() }
        let store = GenerationStore(transport: LocalTransport(host: "edge-1", root: folder.path))
        try await store.record(Self.state(1), commit: "c1")
        try "tampered".write(
            toFile: folder.path + "/var/lib/onionops/generations/1/files/etc/onionops/projects/news/tor1.torrc",
            atomically: true,
            encoding: .utf8
        )
        #expect(try await store.load(1) == nil)
    }
}
