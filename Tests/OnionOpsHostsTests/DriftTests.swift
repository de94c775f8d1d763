import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

/// A host brought in line with its desired state shows no drift; a hand
/// edit, a chmod or a deleted file shows up as exactly that drift.
@Suite("file drift", .enabled(if: Command.isRoot, "owners need root"))
struct DriftTests {
    static let desired = HostDesiredState(
        host: "h",
        root: "/",
        instances: [],
        directories: [
            ManagedDirectory(path: "/etc/onionops"),
            ManagedDirectory(path: "/var/lib/onionops/p/x/tor1", mode: 0o700, owner: "debian-tor"),
        ],
        files: [
            ManagedFile(path: "/etc/onionops/a.conf", text: "one\n"),
            ManagedFile(path: "/etc/onionops/b.conf", text: "two\n", mode: 0o640),
        ]
    )

    var paths: [String] { Self.desired.directories.map(\.path) + Self.desired.files.map(\.path) }

    @Test("in sync, then each kind of hand change is reported")
    func drift() async throws {
        let folder = try TemporaryFolder(prefix: "oo-drift")
        defer { folder.remove() }
        let host = LocalTransport(host: "h", root: folder.path)
        try await host.apply(
            Self.desired.directories.map { .makeDirectory($0) } + Self.desired.files.map { .write($0) }
        )
        #expect(FileDrift.compare(Self.desired, with: try await host.stat(paths)).isEmpty)

        try "one, edited by hand\n".write(
            toFile: folder.path + "/etc/onionops/a.conf", atomically: false, encoding: .utf8)
        chmod(folder.path + "/var/lib/onionops/p/x/tor1", 0o755)
        try FileManager.default.removeItem(atPath: folder.path + "/etc/onionops/b.conf")

        let drift = FileDrift.compare(Self.desired, with: try await host.stat(paths))
        #expect(drift.map(\.kind) == [.contentChanged, .missing, .modeChanged])
        #expect(drift.map(\.path) == ["/etc/onionops/a.conf", "/etc/onionops/b.conf", "/var/lib/onionops/p/x/tor1"])
    }
}
