import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A folder of a manifest repository, held open by descriptor, from which
/// only regular files and real folders are ever read.
///
/// Whoever can push to the repository chooses what is in it. A link would
/// let them make the controller read any file it can (an age identity, a
/// TLS key) and a FIFO would hang intake, so inside the repository:
/// entries are classified with `fstatat(AT_SYMLINK_NOFOLLOW)`, folders are
/// entered with `openat(O_DIRECTORY|O_NOFOLLOW)` and files opened with
/// `openat(O_NOFOLLOW|O_NONBLOCK)` and checked with `fstat` to be regular
/// before one byte is read. Every step is relative to the parent's
/// descriptor, so swapping a path component afterwards changes nothing.
/// Only the path the operator passed is resolved normally: it is theirs.
public final class RepositoryFolder {
    /// How an entry is stored, from `lstat`: never what a link points to.
    public enum EntryType: Sendable, Hashable {
        case regular
        case folder
        case symbolicLink
        case fifo
        case socket
        case device
        case unknown

        /// "a symbolic link", for messages.
        public var phrase: String {
            switch self {
            case .regular: return "a regular file"
            case .folder: return "a folder"
            case .symbolicLink: return "a symbolic link"
            case .fifo: return "a FIFO (named pipe)"
            case .socket: return "a socket"
            case .device: return "a device file"
            case .unknown: return "a special file"
            }
        }

        init(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFREG: self = .regular
            case S_IFDIR: self = .folder
            case S_IFLNK: self = .symbolicLink
            case S_IFIFO: self = .fifo
            case S_IFSOCK: self = .socket
            case S_IFCHR, S_IFBLK: self = .device
            default: self = .unknown
            }
        }
    }

    public struct Entry: Sendable, Hashable {
        public var name: String
        /// The folder's display path joined with `name`.
        public var path: String
        public var type: EntryType
    }

    /// What repository entries may be: used in every refusal message.
    public static func refusal(_ type: EntryType) -> String {
        "is \(type.phrase); manifest repositories may hold only regular files and folders "
            + "(OnionOps never follows a link or reads a special file in them, as the git source never does)"
    }

    /// Shown in messages, e.g. `manifests/keys`.
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The folder the operator named (a link to it is followed: the path
    /// is theirs, not the repository's).
    public static func open(_ path: String) throws(SourceError) -> RepositoryFolder {
        let fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SourceError(path: path, message: "cannot open folder: \(errnoText())") }
        return RepositoryFolder(path: path, descriptor: fd)
    }

    /// How the operator's path is stored, following a link to it: nil
    /// when it does not exist.
    public static func typeOfTopLevel(_ path: String) -> EntryType? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return EntryType(mode: info.st_mode)
    }

    /// Every entry, sorted by name, typed without following links.
    /// `.` and `..` are left out.
    public func entries() throws(SourceError) -> [Entry] {
        let copy = dup(descriptor)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw SourceError(path: path, message: "cannot list folder: \(Self.errnoText())")
        }
        defer { closedir(stream) }
        // The copy shares its offset with `descriptor`: start over.
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        var result: [Entry] = []
        for name in names.sorted() {
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            result.append(Entry(name: name, path: child(name), type: EntryType(mode: info.st_mode)))
        }
        return result
    }

    /// A real subfolder (a link to a folder is refused).
    public func folder(_ name: String) throws(SourceError) -> RepositoryFolder {
        let fd = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP || code == ENOTDIR {
                throw SourceError(path: child(name), message: Self.refusal(type(of: name) ?? .symbolicLink))
            }
            throw SourceError(path: child(name), message: "cannot open folder: \(Self.errnoText(code))")
        }
        return RepositoryFolder(path: child(name), descriptor: fd)
    }

    /// The type of one entry, without following a link.
    public func type(of name: String) -> EntryType? {
        var info = stat()
        guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return EntryType(mode: info.st_mode)
    }

    /// Whether an entry of this name exists at all (a dangling link
    /// counts).
    public func exists(_ name: String) -> Bool { type(of: name) != nil }

    /// Opens a regular file for reading; anything else is refused with a
    /// message naming it. The caller owns the returned descriptor.
    public func openFile(_ name: String) throws(SourceError) -> Int32 {
        try Self.openRegular(at: descriptor, name, display: child(name), followLink: false)
    }

    /// Up to `maxBytes` of a regular file; `.oversized` (with its size)
    /// past that, without reading it.
    public func read(_ name: String, maxBytes: Int) throws(SourceError) -> ManifestFile.Content {
        let fd = try openFile(name)
        defer { close(fd) }
        return try Self.readContent(fd, maxBytes: maxBytes, display: child(name))
    }

    /// The whole file in chunks of at most `chunkSize` bytes: memory stays
    /// bounded whatever its size.
    public func stream(_ name: String, chunkSize: Int = 1 << 16, _ body: ([UInt8]) -> Void) throws(SourceError) {
        let fd = try openFile(name)
        defer { close(fd) }
        try Self.streamChunks(fd, chunkSize: chunkSize, display: child(name), body)
    }

    /// Creates a new file exclusively (never through a link, never over
    /// an existing entry) and writes `bytes` to it with `mode`. Unless
    /// `durable` is false, it is fsynced; a caller writing many files
    /// passes false and calls `syncFileSystem()` once after the last.
    public func createFile(
        _ name: String, _ bytes: [UInt8], mode: UInt32 = 0o644, durable: Bool = true
    ) throws(SourceError) {
        let fd = openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else {
            let code = errno
            throw SourceError(path: child(name), message: "cannot create file: \(Self.errnoText(code))")
        }
        var failure: Int32?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(fd, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == nil, durable, fsync(fd) != 0 { failure = errno }
        close(fd)
        if let failure {
            unlinkat(descriptor, name, 0)
            throw SourceError(path: child(name), message: "cannot write file: \(Self.errnoText(failure))")
        }
    }

    /// Renames a file of this folder over another, atomically (the
    /// target, if any, is replaced; neither name is followed as a link).
    public func renameFile(_ name: String, to target: String) throws(SourceError) {
        guard renameat(descriptor, name, descriptor, target) == 0 else {
            let code = errno
            throw SourceError(path: child(target), message: "cannot rename: \(Self.errnoText(code))")
        }
    }

    /// Removes a file of this folder.
    public func removeFile(_ name: String) throws(SourceError) {
        guard unlinkat(descriptor, name, 0) == 0 else {
            let code = errno
            throw SourceError(path: child(name), message: "cannot remove: \(Self.errnoText(code))")
        }
    }

    /// Flushes the file system holding this folder: one flush for a batch
    /// of `createFile(durable: false)` (an fsync each costs ~2 ms here).
    public func syncFileSystem() throws(SourceError) {
        #if os(Linux)
            let status = linuxSyncfs(descriptor)
        #else
            sync()
            let status: Int32 = 0
        #endif
        guard status == 0 else {
            throw SourceError(path: path, message: "cannot sync: \(Self.errnoText(errno))")
        }
    }

    func child(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    // MARK: A single file the operator named

    /// A file the operator named on the command line: a link to it is
    /// followed (their choice), but it must be a regular file, so naming a
    /// FIFO fails at once instead of hanging.
    public static func readTopLevelFile(_ path: String, maxBytes: Int) throws(SourceError) -> ManifestFile.Content {
        let fd = try openRegular(at: AT_FDCWD, path, display: path, followLink: true)
        defer { close(fd) }
        return try readContent(fd, maxBytes: maxBytes, display: path)
    }

    public static func streamTopLevelFile(
        _ path: String, chunkSize: Int = 1 << 16, _ body: ([UInt8]) -> Void
    ) throws(SourceError) {
        let fd = try openRegular(at: AT_FDCWD, path, display: path, followLink: true)
        defer { close(fd) }
        try streamChunks(fd, chunkSize: chunkSize, display: path, body)
    }

    // MARK: Descriptors

    private static func openRegular(
        at folder: Int32, _ name: String, display: String, followLink: Bool
    ) throws(SourceError) -> Int32 {
        // O_NONBLOCK: opening a FIFO for reading must not wait for a
        // writer. It is cleared again once the file is known to be regular.
        let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (followLink ? 0 : O_NOFOLLOW)
        let fd = openat(folder, name, flags)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP {
                throw SourceError(path: display, message: refusal(.symbolicLink))
            }
            throw SourceError(path: display, message: "cannot open file: \(errnoText(code))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw SourceError(path: display, message: "cannot read file: \(errnoText(code))")
        }
        let type = EntryType(mode: info.st_mode)
        guard type == .regular else {
            close(fd)
            throw SourceError(path: display, message: refusal(type))
        }
        let current = fcntl(fd, F_GETFL)
        if current >= 0 { _ = fcntl(fd, F_SETFL, current & ~O_NONBLOCK) }
        return fd
    }

    private static func readContent(_ fd: Int32, maxBytes: Int, display: String) throws(SourceError)
        -> ManifestFile.Content
    {
        var info = stat()
        if fstat(fd, &info) == 0, Int(info.st_size) > maxBytes {
            return .oversized(byteCount: Int(info.st_size))
        }
        var bytes: [UInt8] = []
        var tooLarge = false
        // One byte past the limit is enough to know a file grew past it.
        try streamChunks(fd, chunkSize: 1 << 16, display: display) { chunk in
            guard !tooLarge else { return }
            bytes += chunk
            if bytes.count > maxBytes { tooLarge = true }
        }
        if tooLarge { return .oversized(byteCount: max(bytes.count, Int(info.st_size))) }
        return .bytes(bytes)
    }

    private static func streamChunks(
        _ fd: Int32, chunkSize: Int, display: String, _ body: ([UInt8]) -> Void
    ) throws(SourceError) {
        var buffer = [UInt8](repeating: 0, count: max(chunkSize, 1))
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SourceError(path: display, message: "cannot read file: \(errnoText())")
            }
            if count == 0 { return }
            body(Array(buffer[0..<count]))
        }
    }

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}

// The class has methods named `read` and `write`; these reach the system
// calls from inside it.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}

#if os(Linux)
    /// syncfs(2): Glibc's module map does not export it (it is behind
    /// _GNU_SOURCE), so it is bound by its C symbol.
    @_silgen_name("syncfs")
    private func linuxSyncfs(_ fd: Int32) -> Int32
#endif
