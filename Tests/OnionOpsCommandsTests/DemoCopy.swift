import Foundation
import OnionOpsTestSupport

/// manifests/ copied into a folder of a test's own, its two sandbox hosts
/// (edge-1, edge-2) rooted there and made, for tests that run the real
/// `onionops` on the demo topology. `remove` stops every daemon under the
/// roots, then the folder goes.
struct DemoCopy {
    let folder: TemporaryFolder
    let manifests: String
    let roots: [String]

    init(prefix: String) throws {
        let folder = try TemporaryFolder(prefix: prefix)
        let roots = ["edge-1", "edge-2"].map { folder.path + "/" + $0 }
        self.folder = folder
        self.roots = roots
        manifests = folder.path + "/manifests"
        do {
            try FileManager.default.copyItem(atPath: RepositoryPaths.manifests.path, toPath: manifests)
            let hosts = manifests + "/hosts.yaml"
            try String(contentsOfFile: hosts, encoding: .utf8)
                .replacingOccurrences(of: "/tmp/onionops-demo", with: folder.path)
                .write(toFile: hosts, atomically: true, encoding: .utf8)
            for root in roots {
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            }
        } catch {
            folder.remove()
            throw error
        }
    }

    func remove() {
        SandboxDaemons.kill(roots: roots)
        folder.remove()
    }
}
