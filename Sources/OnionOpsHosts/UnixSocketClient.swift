import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A client end of a unix stream socket where no call waits longer than
/// `timeout`: the connect under SO_SNDTIMEO, then a non-blocking
/// descriptor whose reads and writes each wait in poll(2) for at most the
/// time left. A wedged daemon (tor, Onionbalance) that accepts and never
/// answers gives a `.timedOut` error instead of holding the host lock
/// forever. Blocking calls: callers run them on the `BlockingPool`.
final class UnixSocketClient {
    struct Failure: Error, Sendable, CustomStringConvertible {
        enum Code: Sendable { case io, timedOut, closed }
        var code: Code
        var description: String
    }

    private let fd: Int32
    let timeout: Duration
    let path: String

    init(path: String, timeout: Duration) throws(Failure) {
        self.path = path
        self.timeout = timeout
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(code: .io, description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(code: .io, description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        // A unix connect waits only while the listener's backlog is full,
        // and then for at most SO_SNDTIMEO.
        let (seconds, attoseconds) = timeout.components
        var interval = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw Failure(
                code: code == EAGAIN || code == EINPROGRESS ? .timedOut : .io,
                description: "cannot connect to \(path): \(String(cString: strerror(code)))")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Writes all of `bytes`, each wait for room bounded by `timeout`.
    func write(_ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(fd, base + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if result > 0 {
                sent += result
                continue
            }
            if result < 0 && (errno == EAGAIN || errno == EINTR) {
                try wait(for: Int16(POLLOUT), what: "writing to")
                continue
            }
            throw Failure(code: .io, description: "writing to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// What the socket has next (up to `limit` bytes), waiting at most
    /// `timeout` for it; empty at end of stream.
    func read(limit: Int = 16_384) throws(Failure) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: limit)
        while true {
            let count = chunk.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress, raw.count) }
            if count >= 0 { return Array(chunk[..<count]) }
            guard errno == EAGAIN || errno == EINTR else {
                throw Failure(code: .io, description: "reading \(path): \(String(cString: strerror(errno)))")
            }
            try wait(for: Int16(POLLIN), what: "an answer on")
        }
    }

    private func wait(for events: Int16, what: String) throws(Failure) {
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                throw Failure(
                    code: .timedOut,
                    description: "timed out after \(timeout.components.seconds) s waiting for \(what) \(path)")
            }
            let (seconds, attoseconds) = left.components
            let milliseconds = Int32(min(seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            var poller = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw Failure(code: .io, description: "poll on \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}
