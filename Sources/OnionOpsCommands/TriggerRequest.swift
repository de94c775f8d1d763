import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One plain HTTP/1.1 POST over a socket, for `onionops trigger`: its
/// token goes in a header written by this process, never on a helper's
/// command line (which every local user can read in /proc).
enum TriggerRequest {
    struct Response {
        var status: Int
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let timeoutSeconds = 10
    static let maxResponse = 64 << 10

    /// `url` is `http://host[:port][/prefix]`.
    static func post(url: String, path: String, headers: [String: String]) throws(Failure) -> Response {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
            let host = components.host, !host.isEmpty
        else { throw Failure(description: "the URL must be http://host:port") }
        let port = components.port ?? 80
        let prefix =
            components.percentEncodedPath.hasSuffix("/")
            ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        let socket = try connect(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port)
        defer { close(socket) }
        var request = "POST \(prefix)\(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: 0\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(name): \(value)\r\n" }
        request += "Connection: close\r\n\r\n"
        try send(socket, Array(request.utf8))
        let reply = try receive(socket)
        let text = String(decoding: reply, as: UTF8.self)
        // "HTTP/1.1 202 Accepted": the status is the second word.
        let words = text.prefix { $0 != "\r" && $0 != "\n" }.split(separator: " ")
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else {
            throw Failure(description: "not an HTTP answer")
        }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Response(status: status, body: body)
    }

    private static func connect(host: String, port: Int) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let list else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            let socket = Glibc.socket(
                current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                current.pointee.ai_protocol)
            guard socket >= 0 else { continue }
            // On Linux the send timeout bounds connect() too.
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(socket, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return socket }
            lastError = String(cString: strerror(errno))
            close(socket)
        }
        throw Failure(description: "cannot connect to \(host):\(port): \(lastError)")
    }

    private static func send(_ socket: Int32, _ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { throw Failure(description: "cannot send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    private static func receive(_ socket: Int32) throws(Failure) -> [UInt8] {
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while reply.count < maxResponse {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw Failure(description: "no answer: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            reply += buffer[..<count]
        }
        return reply
    }
}
