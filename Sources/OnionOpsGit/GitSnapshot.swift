import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A commit's files written out of the object database into a fresh
/// folder, so the folder pipeline reads them exactly as it reads a
/// checkout. This is the one way in for git: `export`, then
/// `FolderManifestSource(path:)` on the returned folder and
/// `SealedKeyStore(folder: <returned>/keys)`; display paths are then the
/// exported ones.
///
/// Folders are made 0700 and files 0600 (the sealed keys are among them),
/// each file created exclusively, without following symlinks, and synced,
/// so a marker the caller writes afterwards never outlives the content.
public enum GitSnapshot {
    /// Writes `files` (repository-relative paths, as `GitRepository.files`
    /// returns them) into `folder`, which must not exist or be empty;
    /// returns the folder that corresponds to `root` (the folder the files
    /// were read from; "" or "." for the whole tree).
    public static func export(files: [String: [UInt8]], root: String, into folder: String) throws(GitError) -> String {
        let rootParts = root.split(separator: "/").filter { $0 != "." }
        guard !rootParts.contains("..") else {
            throw GitError(code: .unsupported, message: "refusing the root '\(root)': it leaves the repository")
        }
        try makeFreshFolder(folder)
        var made: Set<String> = []
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            let parts = path.split(separator: "/")
            guard let name = parts.last, !parts.contains(".."), !parts.contains("."), !path.hasPrefix("/") else {
                throw GitError(code: .unsupported, message: "refusing to export the path '\(path)'")
            }
            var parent = folder
            for part in parts.dropLast() {
                parent += "/" + part
                if made.insert(parent).inserted {
                    guard mkdir(parent, 0o700) == 0 || errno == EEXIST, isFolder(parent) else {
                        throw GitError(
                            code: .io, message: "cannot create \(parent): \(String(cString: strerror(errno)))")
                    }
                }
            }
            try write(content, to: parent + "/" + name)
        }
        return rootParts.isEmpty ? folder : folder + "/" + rootParts.joined(separator: "/")
    }

    private static func makeFreshFolder(_ folder: String) throws(GitError) {
        let parent = (folder as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: parent.isEmpty ? "." : parent, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw GitError(code: .io, message: "cannot create \(parent): \(error)")
        }
        if mkdir(folder, 0o700) != 0 {
            let reason = String(cString: strerror(errno))
            let empty = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty ?? false
            guard errno == EEXIST, isFolder(folder), empty else {
                throw GitError(code: .io, message: "cannot export into \(folder): \(reason) (it must be new or empty)")
            }
        }
    }

    /// A real folder, not a symlink to one.
    private static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    private static func write(_ content: [UInt8], to path: String) throws(GitError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw GitError(code: .io, message: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var written = 0
        while written < content.count {
            let result = content.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                throw GitError(code: .io, message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            throw GitError(code: .io, message: "cannot sync \(path): \(String(cString: strerror(errno)))")
        }
    }
}
