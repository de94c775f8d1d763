import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

/// A root shell (or a unit) with umask 077 runs `reconcile` on local hosts:
/// the folders OnionOps makes must still let each daemon's user reach its
/// files.
@Suite("reconcile under a strict umask", .enabled(if: Command.isRoot, "daemons run as their users"))
struct UmaskCLITests {
    @Test("umask 077 in the calling shell: the local hosts apply and are healthy")
    func strictUmask() throws {
        let folder = try TemporaryFolder(prefix: "oo-um")
        let manifests = folder.path + "/manifests"
        let roots = ["edge-1", "edge-2"].map { folder.path + "/" + $0 }
        defer {
            SandboxDaemons.kill(roots: roots)
            folder.remove()
        }
        try FileManager.default.copyItem(atPath: RepositoryPaths.manifests.path, toPath: manifests)
        try String(contentsOfFile: manifests + "/hosts.yaml", encoding: .utf8)
            .replacingOccurrences(of: "/tmp/onionops-demo", with: folder.path)
            .write(toFile: manifests + "/hosts.yaml", atomically: true, encoding: .utf8)
        for root in roots { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) }
        let reconcile = try Command.capture(
            "/bin/sh",
            [
                "-c", "umask 077; exec \"$0\" reconcile \"$1\" --identity \"$2\"", OnionOpsBinary.url.path, manifests,
                RepositoryPaths.demoIdentity.path,
            ])
        #expect(reconcile.exitCode == 0, "\(reconcile.stdout)\(reconcile.stderr)")
        let status = try OnionOpsBinary.run(["status", manifests])
        #expect(status.exitCode == 0, "\(status.stdout)\(status.stderr)")
    }
}
