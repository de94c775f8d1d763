import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An age identity file as `age-keygen` writes it: `AGE-SECRET-KEY-1...`
/// lines, with `#` comment lines and blank lines. Other identity kinds
/// `age -i` knows (SSH private keys, plugin identities, passphrase-sealed
/// identity files) are refused by name. Read in-process; the identity never
/// leaves memory, and no error quotes a line of it.
enum AgeIdentityFile {
    /// Identity files hold a few keys; this bounds a wrong path (a log, a
    /// device) instead of reading it whole.
    static let maxBytes = 64 << 10

    /// The identities in the file at `path`. Parsed once per version of
    /// the file: `keys check` and the keyring open thousands of sealed files
    /// with the same identity, and deriving its public key each time showed.
    static func load(_ path: String) throws(SecretsError) -> [AgeX25519Identity] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw missing(path) }
        defer { _ = close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw missing(path) }
        // Opened non-blocking and checked to be a regular file, so a FIFO
        // or device at the path cannot hang or flood us.
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw SecretsError(code: .noSuchIdentity, message: "age identity file \(path) is not a regular file")
        }
        let version = Version(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
            modified: Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec))
        if let cached = cache.withLock({ $0[path] }), cached.version == version { return cached.identities }
        let identities = try parse(readBytes(fd, size: Int(status.st_size), path: path), path: path)
        cache.withLock { entries in
            if entries.count >= 16 { entries.removeAll() }
            entries[path] = Entry(version: version, identities: identities)
        }
        return identities
    }

    /// What identifies one version of a file without reading it.
    private struct Version: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    private struct Entry {
        var version: Version
        var identities: [AgeX25519Identity]
    }

    private static let cache = Mutex<[String: Entry]>([:])

    private static func missing(_ path: String) -> SecretsError {
        SecretsError(code: .noSuchIdentity, message: "age identity file \(path) does not exist or is unreadable")
    }

    /// The identities in `bytes` (the file at `path`, named in errors).
    static func parse(_ bytes: [UInt8], path: String) throws(SecretsError) -> [AgeX25519Identity] {
        func refused(_ why: String) -> SecretsError {
            SecretsError(code: .badIdentity, message: "\(path) is not an age identity file: \(why)")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") || text.hasPrefix("-----BEGIN RSA PRIVATE KEY-----") {
            throw refused("it is an SSH private key; OnionOps opens with age X25519 identities (`age-keygen`) only")
        }
        if text.hasPrefix("age-encryption.org/") || AgeArmor.isArmored(bytes) {
            throw refused("it is itself sealed with age; OnionOps needs the identity file unsealed")
        }
        var identities: [AgeX25519Identity] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("AGE-PLUGIN-") {
                throw refused("line \(index + 1) is a plugin identity; OnionOps opens with X25519 identities only")
            }
            guard let identity = AgeX25519Identity(parsing: line) else {
                throw refused("line \(index + 1) is not an `AGE-SECRET-KEY-1...` identity")
            }
            identities.append(identity)
        }
        guard !identities.isEmpty else { throw refused("it holds no identity") }
        return identities
    }

    /// The bytes of the open file, at most `maxBytes`.
    private static func readBytes(_ fd: Int32, size: Int, path: String) throws(SecretsError) -> [UInt8] {
        guard size <= maxBytes else {
            throw SecretsError(
                code: .badIdentity, message: "\(path) is \(size) bytes: too large for an age identity file")
        }
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress.map { $0 + count }, buffer.count - count)
            }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw missing(path) }
            if got == 0 { break }
            count += got
        }
        guard count <= maxBytes else {
            throw SecretsError(code: .badIdentity, message: "\(path) is too large for an age identity file")
        }
        return Array(bytes[..<count])
    }
}
