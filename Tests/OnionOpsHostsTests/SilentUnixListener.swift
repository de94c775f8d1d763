import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A wedged daemon's socket: it listens, so a connect succeeds (the kernel
/// queues it), and nothing ever accepts or answers.
final class SilentUnixListener: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            Glibc.close(fd)
            throw Failure(description: "cannot listen on \(path): \(errno)")
        }
        self.fd = fd
    }

    func close() {
        Glibc.close(fd)
        unlink(path)
    }
}
