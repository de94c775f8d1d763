import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A minimal websocket client over a unix socket with TLS, as tor would
/// connect to nginx: the opening handshake, one masked text frame, one
/// answer. Debian's curl has no websocket support, and the websocket
/// client of swift-websocket connects only to host and port.
public enum WebSocketProbe {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Sends `message` to `path` on `host` through the TLS unix socket and
    /// returns the first text frame that comes back.
    public static func echo(
        socketPath: String,
        host: String,
        path: String = "/ws",
        message: String,
        timeout: Duration = .seconds(10)
    ) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { try await exchange(socketPath: socketPath, host: host, path: path, message: message) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure(description: "no websocket answer within \(timeout)")
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next() else { throw Failure(description: "no answer") }
            return answer
        }
    }

    private static func exchange(socketPath: String, host: String, path: String, message: String) async throws
        -> String
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        // The onion side's certificate is a throwaway self-signed one.
        tls.certificateVerification = .none
        let context = try NIOSSLContext(configuration: tls)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: context, serverHostname: host))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            let request =
                "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nOrigin: https://\(host)\r\n\r\n"
            try await outbound.write(ByteBuffer(string: request))
            var received: [UInt8] = []
            var upgraded = false
            for try await chunk in inbound {
                received += chunk.readableBytesView
                if !upgraded {
                    guard let end = headerEnd(received) else { continue }
                    let head = String(decoding: received[..<end], as: UTF8.self)
                    guard head.hasPrefix("HTTP/1.1 101") else {
                        throw Failure(description: "no upgrade: \(head)")
                    }
                    received.removeFirst(end + 4)
                    upgraded = true
                    try await outbound.write(ByteBuffer(bytes: maskedTextFrame(message)))
                }
                if let text = textFrame(received) { return text }
            }
            throw Failure(description: "closed before an answer (\(received.count) bytes)")
        }
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }
    }

    /// A client frame must be masked (RFC 6455 5.3); short messages only.
    private static func maskedTextFrame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8).prefix(125)
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        return [0x81, 0x80 | UInt8(payload.count)] + mask
            + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    /// The first complete unmasked server frame, if it has all arrived.
    private static func textFrame(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 2 else { return nil }
        var length = Int(bytes[1] & 0x7F)
        var start = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            start = 4
        }
        guard bytes.count >= start + length else { return nil }
        return String(decoding: bytes[start..<(start + length)], as: UTF8.self)
    }
}
