import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file with no name, holding secret bytes for a child process to read
/// as its stdin: nothing is left behind if this process is killed.
enum AnonymousFile {
    /// `memfd_create` is not in Swift's Glibc module (glibc declares it only
    /// under _GNU_SOURCE), so it is looked up at run time; glibc has had it
    /// since 2.27.
    private typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
    private static let memfdCloseOnExec: UInt32 = 0x0001

    /// A descriptor, positioned at the start, of an unnamed file holding
    /// `bytes`. The caller closes it.
    static func holding(_ bytes: [UInt8]) throws(SecretsError) -> Int32 {
        let fd: Int32
        if let memory = memoryFile() {
            fd = memory
        } else {
            fd = try unlinkedFile()
        }
        var offset = 0
        var failure: Int32?
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = write(fd, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == nil, lseek(fd, 0, SEEK_SET) != 0 { failure = errno }
        if let failure {
            close(fd)
            throw SecretsError(
                code: .fileSystem, message: "cannot hold age's input in memory: \(String(cString: strerror(failure)))")
        }
        return fd
    }

    private static func memoryFile() -> Int32? {
        guard let handle = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(handle) }
        guard let symbol = dlsym(handle, "memfd_create") else { return nil }
        let memfdCreate = unsafeBitCast(symbol, to: MemfdCreate.self)
        let fd = memfdCreate("onionops-age-input", memfdCloseOnExec)
        return fd >= 0 ? fd : nil
    }

    /// Without memfd: a file made exclusively in a fresh private folder and
    /// unlinked (with its folder) before a byte is written to it.
    private static func unlinkedFile() throws(SecretsError) -> Int32 {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let folder = base + "/onionops-age-" + UUID().uuidString
        guard mkdir(folder, 0o700) == 0 else {
            throw SecretsError(
                code: .fileSystem, message: "cannot make a private folder for age: \(String(cString: strerror(errno)))")
        }
        defer { rmdir(folder) }
        let path = folder + "/input"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SecretsError(
                code: .fileSystem, message: "cannot make age's input file: \(String(cString: strerror(errno)))")
        }
        unlink(path)
        return fd
    }
}
