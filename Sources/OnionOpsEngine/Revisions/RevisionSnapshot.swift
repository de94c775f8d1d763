import Crypto
import Foundation
import OnionOpsCore
public import OnionOpsManifest

#if canImport(Glibc)
    import Glibc
#endif

/// One revision's files, read once: the manifests intake decodes and the
/// digests that name it. A git commit is named by its id; a plain folder by
/// `folder-` and its content digest, so the CLI and `watch` give the same
/// folder the same name whoever reads it.
///
/// The inputs digest (recorded with each generation, see `NoOpCheck`) adds
/// the onionops version and this binary to the content digest: a rebuilt
/// binary is new input, but it does not rename the revision.
public struct RevisionSnapshot: Sendable {
    /// `id` is the commit, or `folder-<16 hex of the content digest>`.
    public var revision: Revision
    /// What intake decodes: every manifest file in path order, or why the
    /// folder could not be read at all.
    public var manifests: Result<[ManifestFile], SourceError>
    /// SHA-256 over every file's relative path and bytes (sealed keys
    /// included).
    public var contentDigest: String
    /// nil when something in the folder is not a regular file or a real
    /// folder: no digest, no shortcut; intake says what is wrong.
    public var inputs: String?

    public var id: String { revision.id }

    /// Reads `folder` (or a single manifest file) off the cooperative pool.
    /// `commit` names a git revision; without it the folder is named by
    /// its content.
    public static func read(
        folder: String, commit: String? = nil, summary: String? = nil, signedBy: String? = nil,
        maxBytes: Int = YAMLLimits.default.maxBytes
    ) async -> RevisionSnapshot {
        let files = await BlockingWork.run { FolderReading.read(folder, maxBytes: maxBytes) }
        let id = commit ?? "folder-" + files.contentDigest.prefix(16)
        return RevisionSnapshot(
            revision: Revision(id: id, folder: folder, summary: summary ?? folder, signedBy: signedBy),
            manifests: files.manifests, contentDigest: files.contentDigest,
            inputs: files.complete ? inputsDigest(content: files.contentDigest) : nil)
    }

    /// The version and the binary itself (size, modification time, inode)
    /// beside the content: an upgraded or rebuilt binary counts as new input.
    static func inputsDigest(content: String) -> String {
        var hasher = SHA256()
        func add(_ text: String) { hasher.update(data: Array(text.utf8) + [0]) }
        add("onionops-inputs-2")
        add(OnionOpsVersion.current)
        var binary = stat()
        if stat("/proc/self/exe", &binary) == 0 {
            add("\(binary.st_size) \(binary.st_mtim.tv_sec).\(binary.st_mtim.tv_nsec) \(binary.st_ino)")
        } else {
            // Without a way to tell the binary apart, never match.
            add(UUID().uuidString)
        }
        add(content)
        return Hex.encode(hasher.finalize())
    }
}
