import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsSecrets

/// Every command's way in: manifests through the loader, plus the scan of
/// the whole folder for keys left unsealed.
enum ManifestIntake {
    static func load(_ path: String) async -> LoadResult {
        var result = await ManifestLoader().load(from: FolderManifestSource(path: path))
        if FileManager.default.fileExists(atPath: path) {
            result.diagnostics = (result.diagnostics + PlaintextKeyScan.scan(path)).sortedByLocation()
        }
        return result
    }
}
