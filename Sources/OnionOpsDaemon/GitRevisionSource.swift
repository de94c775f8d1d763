import Foundation
import OnionOpsGit

/// A git branch as a revision source: fetch (libgit2, into a bare clone
/// under the state folder), resolve the remote-tracking branch, check the
/// head's SSH signature when required, and export the manifest folder and
/// its sealed keys from the commit's tree (no work tree) into
/// `<state>/revisions/<commit>`.
public struct GitRevisionSource: RevisionSource {
    public let url: String
    public let branch: String
    public let path: String
    public let stateDirectory: String
    /// With a file, the head must carry an SSH signature by a key in it.
    public let allowedSigners: String?

    public init(url: String, branch: String, path: String, stateDirectory: String, allowedSigners: String?) {
        self.url = url
        self.branch = branch
        self.path = path
        self.stateDirectory = stateDirectory
        self.allowedSigners = allowedSigners
    }

    public var description: String { "\(url) branch \(branch), \(path)/" }

    public func latest() async throws(RevisionError) -> Revision {
        do {
            try FileManager.default.createDirectory(
                atPath: stateDirectory + "/revisions", withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            let repository = try GitRepository.sync(url: url, cacheDirectory: stateDirectory + "/repos")
            let commit = try repository.resolve(branch: branch)
            var signer: String?
            if let allowedSigners {
                guard let signed = try repository.signature(of: commit.id) else {
                    throw RevisionError(
                        code: .unsigned, message: "commit \(commit.id.prefix(12)) on \(branch) is not signed",
                        revision: commit.id)
                }
                do {
                    signer = try SignatureVerifier(allowedSigners: allowedSigners).verify(
                        signature: signed.signature, payload: signed.payload)
                } catch {
                    throw RevisionError(
                        code: .untrusted,
                        message: "commit \(commit.id.prefix(12)) on \(branch): signature not trusted: \(error)",
                        revision: commit.id)
                }
            }
            let target = stateDirectory + "/revisions/" + commit.id
            let folder: String
            if FileManager.default.fileExists(atPath: target + "/.complete") {
                folder = target + "/" + path
            } else {
                try? FileManager.default.removeItem(atPath: target)
                let files = try repository.files(at: commit.id, under: path)
                folder = try GitSnapshot.export(files: files, root: path, into: target)
                _ = FileManager.default.createFile(atPath: target + "/.complete", contents: Data())
            }
            return Revision(id: commit.id, folder: folder, summary: commit.summary, signedBy: signer)
        } catch let error as RevisionError {
            throw error
        } catch {
            throw RevisionError(code: .unavailable, message: "\(description): \(error)")
        }
    }
}
