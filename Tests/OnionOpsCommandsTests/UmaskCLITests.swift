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
        let demo = try DemoCopy(prefix: "oo-um")
        defer { demo.remove() }
        let manifests = demo.manifests
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
