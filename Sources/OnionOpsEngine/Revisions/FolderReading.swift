import Crypto
import OnionOpsCore
import OnionOpsManifest

/// The one walk over a revision's folder: every file hashed, manifests kept
/// for intake. Read like `FolderManifestSource` reads (`RepositoryFolder`):
/// hidden entries skipped, never through a link, never from a FIFO; a link
/// or special file anywhere comes back as a refused manifest naming it, so
/// intake fails on it.
enum FolderReading {
    struct Files {
        var manifests: Result<[ManifestFile], SourceError>
        var contentDigest: String
        /// Every entry was a regular file or a real folder.
        var complete: Bool
    }

    static func read(_ path: String, maxBytes: Int) -> Files {
        var hasher = SHA256()
        func add(_ text: String) { hasher.update(data: Array(text.utf8) + [0]) }
        add("onionops-content-1")
        guard let type = RepositoryFolder.typeOfTopLevel(path) else {
            let error = SourceError(path: path, message: "no such file or folder")
            add("missing")
            return Files(manifests: .failure(error), contentDigest: Hex.encode(hasher.finalize()), complete: false)
        }
        guard type == .folder else {
            // A single manifest file the operator named: its bytes.
            var bytes: [UInt8] = []
            do {
                try RepositoryFolder.streamTopLevelFile(path) { bytes += $0 }
            } catch {
                add("refused")
                return Files(
                    manifests: .success([ManifestFile(path: path, content: .refused(reason: error.message))]),
                    contentDigest: Hex.encode(hasher.finalize()), complete: false)
            }
            hasher.update(data: bytes)
            let content: ManifestFile.Content =
                bytes.count > maxBytes ? .oversized(byteCount: bytes.count) : .bytes(bytes)
            return Files(
                manifests: .success([ManifestFile(path: path, content: content)]),
                contentDigest: Hex.encode(hasher.finalize()), complete: true)
        }
        let root: RepositoryFolder
        do {
            root = try RepositoryFolder.open(path)
        } catch {
            add("unreadable")
            return Files(manifests: .failure(error), contentDigest: Hex.encode(hasher.finalize()), complete: false)
        }
        var manifests: [ManifestFile] = []
        var complete = true
        func refuse(_ relative: String, _ display: String, _ reason: String) {
            complete = false
            add(relative)
            add("refused: " + reason)
            manifests.append(ManifestFile(path: display, content: .refused(reason: reason)))
        }
        // Entries come sorted by name; a relative path's order follows.
        func walk(_ folder: RepositoryFolder, prefix: String, readsManifests: Bool) {
            let entries: [RepositoryFolder.Entry]
            do {
                entries = try folder.entries()
            } catch {
                refuse(prefix, folder.path, error.message)
                return
            }
            for entry in entries where !entry.name.hasPrefix(".") {
                let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
                switch entry.type {
                case .folder:
                    do {
                        let child = try folder.folder(entry.name)
                        walk(
                            child, prefix: relative,
                            readsManifests: readsManifests
                                && !FolderManifestSource.skippedFolders.contains(entry.name))
                    } catch {
                        refuse(relative, entry.path, error.message)
                    }
                case .regular:
                    var bytes: [UInt8] = []
                    var fileHasher = SHA256()
                    let isManifest = readsManifests && isManifestName(entry.name)
                    do {
                        try folder.stream(entry.name) { chunk in
                            fileHasher.update(data: chunk)
                            if isManifest && bytes.count <= maxBytes { bytes += chunk }
                        }
                    } catch {
                        refuse(relative, entry.path, error.message)
                        continue
                    }
                    add(relative)
                    add(Hex.encode(fileHasher.finalize()))
                    guard isManifest else { continue }
                    let content: ManifestFile.Content =
                        bytes.count > maxBytes ? .oversized(byteCount: bytes.count) : .bytes(bytes)
                    manifests.append(ManifestFile(path: entry.path, content: content))
                default:
                    refuse(relative, entry.path, RepositoryFolder.refusal(entry.type))
                }
            }
        }
        walk(root, prefix: "", readsManifests: true)
        return Files(
            manifests: .success(manifests.sorted { $0.path < $1.path }), contentDigest: Hex.encode(hasher.finalize()),
            complete: complete)
    }

    static func isManifestName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return FolderManifestSource.extensions.contains(name[name.index(after: dot)...].lowercased())
    }
}
