import Foundation
public import OnionOpsCore

#if canImport(Glibc)
    import Glibc
#endif

/// A connection to tor's control socket: how the reconciler observes tor
/// (version, config file, hidden-service options) and reloads it
/// (`+LOADCONF`, never a bare HUP, which makes tor exit on a bad config).
///
/// Blocking I/O on a unix socket; replies are small and local.
public final class TorControlConnection {
    /// One reply: its status code and each line's text after `250-`,
    /// `250 ` or inside a `250+` data block.
    public struct Reply: Sendable, Hashable {
        public var status: Int
        public var lines: [String]

        public var isOK: Bool { status == 250 }

        /// `key=value` lines as a dictionary (GETINFO, GETCONF).
        public var values: [String: [String]] {
            var result: [String: [String]] = [:]
            for line in lines {
                guard let equals = line.firstIndex(of: "=") else { continue }
                result[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
            }
            return result
        }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(socketPath: String) throws(Failure) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(description: "control socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "cannot connect to \(socketPath): \(message)")
        }
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Cookie authentication: the hex of the 32-byte cookie file tor wrote.
    public func authenticate(cookieFile: String) throws(Failure) {
        guard let cookie = FileManager.default.contents(atPath: cookieFile), cookie.count == 32 else {
            throw Failure(description: "cannot read a 32-byte cookie from \(cookieFile)")
        }
        try authenticate(cookie: Array(cookie))
    }

    /// Cookie authentication with the cookie's bytes (read from a remote
    /// host through its transport).
    public func authenticate(cookie: [UInt8]) throws(Failure) {
        guard cookie.count == 32 else { throw Failure(description: "a tor cookie has 32 bytes, got \(cookie.count)") }
        let hex = cookie.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        let reply = try send("AUTHENTICATE \(hex.joined())")
        guard reply.isOK else {
            throw Failure(description: "authentication refused: \(reply.lines.joined(separator: " "))")
        }
    }

    /// Sends one command (a `+` command carries its data after a newline
    /// and ends with a `.` line, added here) and reads its reply.
    public func send(_ command: String) throws(Failure) -> Reply {
        var text = command.replacing("\n", with: "\r\n")
        if command.hasPrefix("+") { text += "\r\n." }
        text += "\r\n"
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + sent, raw.count - sent)
            }
            guard result > 0 else {
                throw Failure(description: "write to control socket: \(String(cString: strerror(errno)))")
            }
            sent += result
        }
        return try readReply()
    }

    private func readReply() throws(Failure) -> Reply {
        var lines: [String] = []
        while true {
            let line = try readLine()
            guard line.count >= 4, let status = Int(line.prefix(3)) else {
                throw Failure(description: "malformed control reply line: \(Quoted(line))")
            }
            let separator = line[line.index(line.startIndex, offsetBy: 3)]
            let rest = String(line.dropFirst(4))
            switch separator {
            case " ":
                lines.append(rest)
                return Reply(status: status, lines: lines)
            case "+":
                // A data block: the key line, then raw lines up to ".".
                var block = rest
                while true {
                    let data = try readLine()
                    if data == "." { break }
                    block += "\n" + (data.hasPrefix("..") ? String(data.dropFirst()) : data)
                }
                lines.append(block)
            default:
                lines.append(rest)
            }
        }
    }

    private func readLine() throws(Failure) -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress, raw.count) }
            guard count > 0 else { throw Failure(description: "control socket closed") }
            buffer += chunk[..<count]
        }
    }
}
