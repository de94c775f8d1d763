import Foundation
import OnionOpsHosts
import OnionOpsSecrets

/// A folder `init` and `import` build beside their target and move into
/// place only once complete, so a failure leaves nothing half-written.
/// Holds manifests and sealed keys only: never a plaintext key.
struct StagedFolder {
    struct Failure: Error { var message: String }

    let target: String
    let staging: String

    init(target: String) {
        self.target = target
        staging = target + ".staging-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Writes `files` (relative paths) and `keysFolder/recipients.txt`.
    func write(
        _ files: [(path: String, text: String, executable: Bool)], recipients: String, keysFolder: String
    ) async throws(Failure) {
        let staging = self.staging
        try await BlockingPool.shared.run { () throws(Failure) in
            let manager = FileManager.default
            do {
                try manager.createDirectory(atPath: staging + "/" + keysFolder, withIntermediateDirectories: true)
                try Data(recipients.utf8).write(
                    to: URL(fileURLWithPath: staging + "/" + keysFolder + "/" + SealedKeyStore.recipientsFileName))
                for file in files {
                    let path = staging + "/" + file.path
                    try manager.createDirectory(
                        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try Data(file.text.utf8).write(to: URL(fileURLWithPath: path))
                    if file.executable { try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
                }
            } catch {
                try? manager.removeItem(atPath: staging)
                throw Failure(message: "\(staging): \(error.localizedDescription)")
            }
        }
    }

    func discard() async {
        let staging = self.staging
        await BlockingPool.shared.run { try? FileManager.default.removeItem(atPath: staging) }
    }

    /// Renames the staging folder to the target, or, when the target is an
    /// existing empty folder (perhaps the shell's current one), moves the
    /// staged entries into it.
    func publish() async throws(Failure) {
        let (staging, target) = (self.staging, self.target)
        try await BlockingPool.shared.run { () throws(Failure) in
            let manager = FileManager.default
            do {
                if manager.fileExists(atPath: target) {
                    for entry in try manager.contentsOfDirectory(atPath: staging) {
                        try manager.moveItem(atPath: staging + "/" + entry, toPath: target + "/" + entry)
                    }
                    try manager.removeItem(atPath: staging)
                } else {
                    try manager.moveItem(atPath: staging, toPath: target)
                }
            } catch {
                try? manager.removeItem(atPath: staging)
                throw Failure(message: "\(target): \(error.localizedDescription)")
            }
        }
    }
}
