import Foundation

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

    /// The identities in the file at `path`.
    static func load(_ path: String) throws(SecretsError) -> [AgeX25519Identity] {
        try parse(readBytes(path), path: path)
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

    /// The file's bytes. Opened non-blocking and checked to be a regular
    /// file first, so a FIFO or device at the path cannot hang or flood us.
    private static func readBytes(_ path: String) throws(SecretsError) -> [UInt8] {
        let missing = SecretsError(
            code: .noSuchIdentity, message: "age identity file \(path) does not exist or is unreadable")
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw missing }
        defer { _ = close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw missing }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw SecretsError(code: .noSuchIdentity, message: "age identity file \(path) is not a regular file")
        }
        guard Int(status.st_size) <= maxBytes else {
            throw SecretsError(
                code: .badIdentity, message: "\(path) is \(status.st_size) bytes: too large for an age identity file")
        }
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress.map { $0 + count }, buffer.count - count)
            }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw missing }
            if got == 0 { break }
            count += got
        }
        guard count <= maxBytes else {
            throw SecretsError(code: .badIdentity, message: "\(path) is too large for an age identity file")
        }
        return Array(bytes[..<count])
    }
}
