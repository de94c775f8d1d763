import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A new folder that `render` fills (decrypted onion keys and TLS keys with
/// `--with-keys`) where no other user can plant anything or look inside.
///
/// The tree is built in a staging folder made here (`mkdirat`, 0700) beside
/// the destination, and renamed onto the destination only when complete;
/// the destination must not exist or be an empty folder (rename refuses
/// anything else, and never follows a link in its place). Inside, every
/// step goes through directory descriptors opened with `O_NOFOLLOW`:
/// folders are made 0700, files with `O_CREAT | O_EXCL | O_NOFOLLOW` and
/// mode 0600 from the first byte; the modes and owners the host would
/// have are set on the open descriptors once the content is written, and
/// on folders last. The destination itself stays 0700.
final class PrivateOutputFolder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let destination: String
    private let parentFD: Int32
    private let baseName: String
    private let stagingName: String
    private let rootFD: Int32
    private var finished = false
    /// Folders to give their host mode and owner at the end (nil owner:
    /// a folder made only to reach a deeper one, 0755 like the old render).
    private var folders: [String: (mode: UInt16, owner: String?)] = [:]
    /// What could not be set (unknown users on this machine).
    private(set) var warnings: [String] = []

    init(creating destination: String) throws(Failure) {
        var path = destination
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        let parent = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        guard !base.isEmpty, base != ".", base != "..", base != "/" else {
            throw Failure(description: "\(destination) cannot be the output folder: name a new folder")
        }
        self.destination = path
        baseName = base
        let parentPath = parent.isEmpty ? "." : parent
        // The parents hold nothing secret; they are made as before if missing.
        do {
            try FileManager.default.createDirectory(atPath: parentPath, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create \(parentPath): \(error.localizedDescription)")
        }
        parentFD = open(parentPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parentFD >= 0 else { throw Self.failure("cannot open", parentPath) }

        // Checked early for a clear message; the final rename enforces it.
        var existing = stat()
        if fstatat(parentFD, base, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
            let problem: String? =
                switch existing.st_mode & S_IFMT {
                case S_IFDIR: Self.isEmpty(parentFD, base) ? nil : "is a folder that is not empty"
                case S_IFLNK: "is a symbolic link"
                default: "is not a folder"
                }
            if let problem {
                close(parentFD)
                throw Failure(
                    description: "\(path) \(problem): render writes only into a new or empty folder")
            }
        }

        var made: (String, Int32)?
        for _ in 0..<16 {
            let name = ".\(base).onionops-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
            guard mkdirat(parentFD, name, 0o700) == 0 else {
                if errno == EEXIST { continue }
                break
            }
            let fd = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            var status = stat()
            guard fd >= 0, fstat(fd, &status) == 0, status.st_uid == geteuid(), fchmod(fd, 0o700) == 0 else {
                if fd >= 0 { close(fd) }
                break
            }
            made = (name, fd)
            break
        }
        guard let (name, fd) = made else {
            let failure = Self.failure("cannot make a private staging folder in", parentPath)
            close(parentFD)
            throw failure
        }
        stagingName = name
        rootFD = fd
    }

    deinit {
        if !finished { discard() }
        close(rootFD)
        close(parentFD)
    }

    /// The destination path of `relative` (for display).
    func path(_ relative: String) -> String {
        destination + "/" + Self.components(relative).joined(separator: "/")
    }

    /// A folder at `relative`, with its host `mode` and `owner` set at the end.
    func makeDirectory(_ relative: String, mode: UInt16, owner: String) throws(Failure) {
        let parts = Self.components(relative)
        let fd = try openDirectory(parts)
        close(fd)
        folders[parts.joined(separator: "/")] = (mode, owner)
    }

    /// A new file at `relative`: created 0600 and exclusive, filled, then
    /// given its host `mode` and `owner` on the open descriptor.
    func write(_ relative: String, contents: [UInt8], mode: UInt16, owner: String) throws(Failure) {
        let parts = Self.components(relative)
        guard let name = parts.last else { throw Failure(description: "empty path in the rendered state") }
        let folderFD = try openDirectory(Array(parts.dropLast()))
        defer { close(folderFD) }
        let fd = openat(folderFD, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("cannot create", path(relative)) }
        defer { close(fd) }
        var offset = 0
        while offset < contents.count {
            let written = contents.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure("cannot write", path(relative))
            }
            offset += written
        }
        try setMetadata(fd, mode: mode, owner: owner, display: path(relative))
    }

    /// Gives folders their modes and owners (deepest first), then renames
    /// the staging folder onto the destination.
    func finish() throws(Failure) {
        for relative in folders.keys.sorted(by: { $0.count > $1.count }) {
            guard let (mode, owner) = folders[relative] else { continue }
            let fd = try openDirectory(relative.split(separator: "/").map(String.init))
            defer { close(fd) }
            if let owner {
                try setMetadata(fd, mode: mode, owner: owner, display: path(relative))
            } else if fchmod(fd, mode_t(mode)) != 0 {
                throw Self.failure("cannot set the mode of", path(relative))
            }
        }
        guard renameat(parentFD, stagingName, parentFD, baseName) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw Failure(
                description: "cannot put the output in place at \(destination) (\(reason)): "
                    + "render writes only into a new or empty folder")
        }
        finished = true
    }

    /// Removes the staging folder and everything in it.
    func discard() {
        guard !finished else { return }
        finished = true
        Self.removeTree(named: stagingName, in: parentFD)
    }

    // MARK: descriptors

    /// Opens (making each missing one 0700) the folders `parts` under the
    /// staging root, never following a link.
    private func openDirectory(_ parts: [String]) throws(Failure) -> Int32 {
        var current = dup(rootFD)
        guard current >= 0 else { throw Self.failure("cannot open", destination) }
        var walked: [String] = []
        for part in parts {
            walked.append(part)
            if mkdirat(current, part, 0o700) == 0 {
                let key = walked.joined(separator: "/")
                if folders[key] == nil { folders[key] = (0o755, nil) }
            } else if errno != EEXIST {
                close(current)
                throw Self.failure("cannot create", path(walked.joined(separator: "/")))
            }
            let next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(current)
            guard next >= 0 else { throw Self.failure("cannot open", path(walked.joined(separator: "/"))) }
            current = next
        }
        return current
    }

    /// Modes always (tor refuses a HiddenServiceDir others can read);
    /// owners when running as root and the user exists here.
    private func setMetadata(_ fd: Int32, mode: UInt16, owner: String, display: String) throws(Failure) {
        guard fchmod(fd, mode_t(mode)) == 0 else { throw Self.failure("cannot set the mode of", display) }
        guard geteuid() == 0 else { return }
        guard let entry = getpwnam(owner) else {
            warnings.append("cannot set owner \(owner) on \(display): no such user here")
            return
        }
        // Owner only (the group stays), as render always did.
        if fchown(fd, entry.pointee.pw_uid, gid_t.max) != 0 {
            warnings.append("cannot set owner \(owner) on \(display): \(String(cString: strerror(errno)))")
        }
    }

    /// Path components of a rendered host path, relative to the output
    /// folder; ".." and "." are dropped (the renderer makes absolute,
    /// normalized paths; nothing may climb out of the tree).
    private static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." && $0 != ".." }
    }

    private static func failure(_ what: String, _ path: String) -> Failure {
        Failure(description: "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    private static func isEmpty(_ parentFD: Int32, _ name: String) -> Bool {
        let fd = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        return entries(fd)?.isEmpty ?? false
    }

    /// The names in an open folder (consumes `fd`), or nil if unreadable.
    private static func entries(_ fd: Int32) -> [String]? {
        guard let directory = fdopendir(fd) else {
            close(fd)
            return nil
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes `name` in `parentFD` and, if it is a folder, everything in
    /// it, through descriptors only.
    private static func removeTree(named name: String, in parentFD: Int32) {
        if unlinkat(parentFD, name, 0) == 0 { return }
        let fd = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return }
        let copy = dup(fd)
        for child in entries(fd) ?? [] where copy >= 0 {
            removeTree(named: child, in: copy)
        }
        if copy >= 0 { close(copy) }
        unlinkat(parentFD, name, AT_REMOVEDIR)
    }
}
