import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file with no name anywhere (Linux `memfd_create`): it lives in memory
/// only for as long as a descriptor to it is open, and the kernel drops it
/// when the last holder exits, SIGKILL included. Children's standard
/// input and output go through these so that a batch script holding
/// base64 keys, or a read of key files coming back, never lands in a
/// named temp file that a killed controller would leave behind.
///
/// age's input (a plaintext key being sealed) goes through one too.
///
/// It behaves like the regular files it replaces (not like a pipe): a
/// child can exit without reading its input, and a daemon that a command
/// starts and that keeps the descriptor cannot make the caller wait.
public final class AnonymousFile {
    public let descriptor: Int32

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32

    /// glibc (2.27+) has memfd_create, but Swift's Glibc module does not
    /// import it (it is declared only under _GNU_SOURCE); look it up once.
    private static let memfdCreate: MemfdCreate? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "memfd_create") else { return nil }
        return unsafeBitCast(symbol, to: MemfdCreate.self)
    }()

    /// MFD_CLOEXEC: no child inherits it except through an explicit dup2.
    private static let closeOnExec: UInt32 = 1

    public init(name: String) throws(Failure) {
        guard let create = Self.memfdCreate else {
            throw Failure(description: "memfd_create is not available (Linux 3.17 and glibc 2.27 or later)")
        }
        let fd = create(name, Self.closeOnExec)
        guard fd >= 0 else {
            throw Failure(description: "memfd_create: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
    }

    /// A new anonymous file holding `bytes`, positioned at its start.
    public convenience init(name: String, contents bytes: [UInt8]) throws(Failure) {
        try self.init(name: name)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot fill \(name): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        lseek(descriptor, 0, SEEK_SET)
    }

    /// A second descriptor to the same file, opened with `flags`
    /// (`O_RDONLY` for a child's stdin, `O_WRONLY | O_APPEND` for its
    /// output), close-on-exec until a spawn duplicates it onto 0, 1 or 2.
    func reopen(_ flags: Int32) throws(Failure) -> Int32 {
        let fd = open("/proc/self/fd/\(descriptor)", flags | O_CLOEXEC)
        guard fd >= 0 else {
            throw Failure(description: "cannot reopen an anonymous file: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Everything written to it so far.
    func contents() -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            result.append(contentsOf: buffer[0..<count])
            offset += off_t(count)
        }
        return result
    }

    deinit {
        close(descriptor)
    }
}
