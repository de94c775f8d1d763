import Foundation
import OnionOpsCore
import Synchronization

/// A connection to tor's control socket: how the reconciler observes tor
/// (version, config file, hidden-service options) and reloads it
/// (`+LOADCONF`, never a bare HUP, which makes tor exit on a bad config).
///
/// Every exchange runs on the `BlockingPool`, never on a thread of the
/// cooperative pool, and no read or write waits longer than `timeout`
/// (`UnixSocketClient`): a wedged tor that accepts and never answers gives
/// a `.timedOut` failure instead of holding the host lock forever.
public final class TorControlConnection: Sendable {
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
        public enum Code: Sendable {
            /// The socket could not be reached, or broke.
            case io
            /// tor did not take or answer a request within the timeout.
            case timedOut
            /// tor closed the connection, or answered something that is not
            /// the control protocol.
            case protocolError
            /// tor refused the authentication.
            case refused
        }

        public var code: Code
        public var description: String

        init(code: Code = .io, description: String) {
            self.code = code
            self.description = description
        }

        init(_ failure: UnixSocketClient.Failure) {
            switch failure.code {
            case .io: code = .io
            case .timedOut: code = .timedOut
            case .closed: code = .protocolError
            }
            description = failure.description
        }
    }

    /// The socket and what was read past the last reply; used by one
    /// exchange at a time.
    private struct State: ~Copyable {
        var socket: UnixSocketClient
        var buffer: [UInt8] = []
    }

    private let state: Mutex<State>

    /// Connects to tor's control socket; `timeout` bounds the connect and
    /// every later wait for room to write or for an answer.
    public init(socketPath: String, timeout: Duration = .seconds(10)) async throws(Failure) {
        let socket = try await BlockingPool.shared.run { () throws(Failure) -> SendableSocket in
            do throws(UnixSocketClient.Failure) {
                return SendableSocket(client: try UnixSocketClient(path: socketPath, timeout: timeout))
            } catch {
                throw Failure(error)
            }
        }
        state = Mutex(State(socket: socket.client))
    }

    /// Cookie authentication: the hex of the 32-byte cookie file tor wrote.
    public func authenticate(cookieFile: String) async throws(Failure) {
        let cookie = try await BlockingPool.shared.run { () throws(Failure) -> [UInt8] in
            guard let cookie = FileManager.default.contents(atPath: cookieFile), cookie.count == 32 else {
                throw Failure(description: "cannot read a 32-byte cookie from \(cookieFile)")
            }
            return Array(cookie)
        }
        try await authenticate(cookie: cookie)
    }

    /// Cookie authentication with the cookie's bytes (read from a remote
    /// host through its transport).
    public func authenticate(cookie: [UInt8]) async throws(Failure) {
        guard cookie.count == 32 else { throw Failure(description: "a tor cookie has 32 bytes, got \(cookie.count)") }
        let reply = try await send("AUTHENTICATE \(Hex.encode(cookie))")
        guard reply.isOK else {
            throw Failure(code: .refused, description: "authentication refused: \(reply.lines.joined(separator: " "))")
        }
    }

    /// Sends one command and reads its reply. A `+` command carries its
    /// data after a newline; the data is dot-stuffed here (a line starting
    /// with "." gets another "." in front, as the control spec requires)
    /// and ended with a "." line.
    public func send(_ command: String) async throws(Failure) -> Reply {
        let bytes = Self.encode(command)
        return try await BlockingPool.shared.run { () throws(Failure) -> Reply in
            try self.state.withLock { state throws(Failure) -> Reply in try Self.exchange(&state, bytes) }
        }
    }

    /// One command on a connection of its own, after cookie authentication,
    /// all on the calling thread (bounded by `timeout` per wait): for test
    /// tools that ask from threads of their own, never for the reconciler.
    public static func askBlocking(
        socketPath: String, cookieFile: String, _ command: String, timeout: Duration = .seconds(10)
    ) throws(Failure) -> Reply {
        guard let cookie = FileManager.default.contents(atPath: cookieFile), cookie.count == 32 else {
            throw Failure(description: "cannot read a 32-byte cookie from \(cookieFile)")
        }
        let client: UnixSocketClient
        do throws(UnixSocketClient.Failure) {
            client = try UnixSocketClient(path: socketPath, timeout: timeout)
        } catch {
            throw Failure(error)
        }
        var state = State(socket: client)
        let authenticated = try exchange(&state, encode("AUTHENTICATE \(Hex.encode(Array(cookie)))"))
        guard authenticated.isOK else {
            throw Failure(
                code: .refused, description: "authentication refused: \(authenticated.lines.joined(separator: " "))")
        }
        return try exchange(&state, encode(command))
    }

    private static func exchange(_ state: inout State, _ bytes: [UInt8]) throws(Failure) -> Reply {
        do throws(UnixSocketClient.Failure) {
            try state.socket.write(bytes)
        } catch {
            throw Failure(error)
        }
        return try readReply(&state)
    }

    /// One command as it goes on the wire: CRLF line ends, and for a `+`
    /// command its data lines dot-stuffed and ended with ".".
    static func encode(_ command: String) -> [UInt8] {
        var lines = command.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if command.hasPrefix("+") {
            for index in lines.indices.dropFirst() where lines[index].hasPrefix(".") {
                lines[index] = "." + lines[index]
            }
            lines.append(".")
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    private static func readReply(_ state: inout State) throws(Failure) -> Reply {
        var lines: [String] = []
        while true {
            let line = try readLine(&state)
            guard line.count >= 4, let status = Int(line.prefix(3)) else {
                throw Failure(code: .protocolError, description: "malformed control reply line: \(Quoted(line))")
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
                    let data = try readLine(&state)
                    if data == "." { break }
                    block += "\n" + (data.hasPrefix("..") ? String(data.dropFirst()) : data)
                }
                lines.append(block)
            default:
                lines.append(rest)
            }
        }
    }

    private static func readLine(_ state: inout State) throws(Failure) -> String {
        while true {
            if let newline = state.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(state.buffer[..<newline])
                state.buffer.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            let chunk: [UInt8]
            do throws(UnixSocketClient.Failure) {
                chunk = try state.socket.read(limit: 4096)
            } catch {
                throw Failure(error)
            }
            guard !chunk.isEmpty else { throw Failure(code: .protocolError, description: "control socket closed") }
            state.buffer += chunk
        }
    }
}

/// A freshly made client handed from the blocking pool's thread to the
/// connection that owns it from then on (no one else ever holds it).
private struct SendableSocket: @unchecked Sendable {
    let client: UnixSocketClient
}
