import Foundation

/// Manifests in a folder (searched recursively) or a single file.
///
/// Hidden entries and the `keys/` folder (sealed keys, not manifests) are
/// skipped; symbolic links to folders are not followed, so a link loop
/// cannot hang intake.
public struct FolderManifestSource: ManifestSource {
    public var path: String

    public static let extensions: Set<String> = ["yaml", "yml"]
    public static let skippedFolders: Set<String> = ["keys"]

    public init(path: String) {
        self.path = path
    }

    public var displayName: String { path }

    public func manifestFiles(maxBytes: Int) async throws(SourceError) -> [ManifestFile] {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SourceError(path: path, message: "no such file or folder")
        }
        guard isDirectory.boolValue else {
            return [try read(path, maxBytes: maxBytes)]
        }
        var found: [String] = []
        try collect(folder: path, into: &found)
        return try found.sorted().map { path throws(SourceError) in try read(path, maxBytes: maxBytes) }
    }

    private func collect(folder: String, into found: inout [String]) throws(SourceError) {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw SourceError(path: folder, message: "cannot list folder: \(error.localizedDescription)")
        }
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let child = folder.hasSuffix("/") ? folder + entry : folder + "/" + entry
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: child),
                let type = attributes[.type] as? FileAttributeType
            else { continue }
            switch type {
            case .typeDirectory:
                if !Self.skippedFolders.contains(entry) { try collect(folder: child, into: &found) }
            case .typeRegular, .typeSymbolicLink:
                if Self.extensions.contains((entry as NSString).pathExtension.lowercased()) {
                    if type == .typeSymbolicLink, isFolder(child) { continue }
                    found.append(child)
                }
            default:
                continue
            }
        }
    }

    private func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private func read(_ path: String, maxBytes: Int) throws(SourceError) -> ManifestFile {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SourceError(path: path, message: "cannot open file")
        }
        defer { try? handle.close() }
        do {
            // Read one byte past the limit: enough to know it is too large
            // without loading a huge file.
            let data = try handle.read(upToCount: maxBytes + 1) ?? Data()
            if data.count > maxBytes {
                let size = (try? handle.seekToEnd()).map(Int.init) ?? data.count
                return ManifestFile(path: path, content: .oversized(byteCount: size))
            }
            return ManifestFile(path: path, content: .bytes(Array(data)))
        } catch {
            throw SourceError(path: path, message: "cannot read file: \(error.localizedDescription)")
        }
    }
}
