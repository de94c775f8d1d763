import Foundation

/// Manifests in a folder (searched recursively) or a single file.
///
/// Hidden entries are skipped, and the `keys/` folder (sealed keys, not
/// manifests) is not read as manifests. Inside the folder only regular
/// files and real folders are read (see `RepositoryFolder`): a link or a
/// special file anywhere in it, `keys/` included, comes back `.refused`,
/// naming the entry, so validation fails on it instead of following it
/// out of the repository or hanging on a FIFO, as the git source refuses
/// them in a commit.
public struct FolderManifestSource: ManifestSource {
    public var path: String

    public static let extensions: Set<String> = ["yaml", "yml"]
    public static let skippedFolders: Set<String> = ["keys"]

    public init(path: String) {
        self.path = path
    }

    public var displayName: String { path }

    public func manifestFiles(maxBytes: Int) async throws(SourceError) -> [ManifestFile] {
        guard let type = RepositoryFolder.typeOfTopLevel(path) else {
            throw SourceError(path: path, message: "no such file or folder")
        }
        guard type == .folder else {
            // The operator named this file: read it if it is a regular one.
            do {
                return [
                    ManifestFile(path: path, content: try RepositoryFolder.readTopLevelFile(path, maxBytes: maxBytes))
                ]
            } catch {
                return [ManifestFile(path: path, content: .refused(reason: error.message))]
            }
        }
        var found: [ManifestFile] = []
        try collect(try RepositoryFolder.open(path), manifests: true, maxBytes: maxBytes, into: &found)
        return found.sorted { $0.path < $1.path }
    }

    /// Walks `folder`: reads manifests when `manifests` (false inside
    /// `keys/`), and refuses every link and special file either way.
    private func collect(
        _ folder: RepositoryFolder, manifests: Bool, maxBytes: Int, into found: inout [ManifestFile]
    ) throws(SourceError) {
        for entry in try folder.entries() where !entry.name.hasPrefix(".") {
            switch entry.type {
            case .folder:
                let child: RepositoryFolder
                do {
                    child = try folder.folder(entry.name)
                } catch {
                    found.append(ManifestFile(path: entry.path, content: .refused(reason: error.message)))
                    continue
                }
                let readsManifests = manifests && !Self.skippedFolders.contains(entry.name)
                try collect(child, manifests: readsManifests, maxBytes: maxBytes, into: &found)
            case .regular:
                guard manifests, Self.isManifestName(entry.name) else { continue }
                do {
                    found.append(
                        ManifestFile(path: entry.path, content: try folder.read(entry.name, maxBytes: maxBytes)))
                } catch {
                    // Swapped for a link or FIFO since it was listed, or
                    // unreadable: refused like any other.
                    found.append(ManifestFile(path: entry.path, content: .refused(reason: error.message)))
                }
            case .symbolicLink, .fifo, .socket, .device, .unknown:
                found.append(
                    ManifestFile(path: entry.path, content: .refused(reason: RepositoryFolder.refusal(entry.type))))
            }
        }
    }

    static func isManifestName(_ name: String) -> Bool {
        extensions.contains((name as NSString).pathExtension.lowercased())
    }
}
