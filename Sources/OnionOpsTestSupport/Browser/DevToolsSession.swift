public import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A Chrome DevTools protocol client over `--remote-debugging-pipe`: the
/// browser reads commands on its descriptor 3 and writes answers and
/// events on 4, each a JSON message ended by a NUL byte. No port is
/// opened, not even on loopback. The pipe is driven by NIO (nonblocking),
/// so no thread of the cooperative pool waits on it.
///
/// Answers and event parameters are handed out as JSON `Data`; `DevToolsJSON`
/// reads values from them.
public final class DevToolsSession: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// One event as the browser sent it.
    public struct Event: Sendable {
        public var method: String
        public var sessionID: String?
        public var params: Data
    }

    private struct State {
        var nextID = 1
        var waiting: [Int: CheckedContinuation<Data, any Error>] = [:]
        /// Answers (or time-outs) that came before their caller waited.
        var early: [Int: Result<Data, Failure>] = [:]
        var events: [Event] = []
        var closed: Failure?
    }

    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let state = Mutex(State())

    private init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.outbound = outbound
    }

    /// Runs `body` with a session on the browser's pipe: `fromBrowser` is
    /// the read end of the pipe the browser writes (its 4), `toBrowser` the
    /// write end of the one it reads (its 3). Both are owned, and closed,
    /// by the session.
    public static func with<Result: Sendable>(
        fromBrowser: Int32, toBrowser: Int32, _ body: (DevToolsSession) async throws -> Result
    ) async throws -> Result {
        let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .takingOwnershipOfDescriptors(input: fromBrowser, output: toBrowser) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let session = DevToolsSession(outbound: outbound)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await session.read(inbound) }
                defer { group.cancelAll() }
                return try await body(session)
            }
        }
    }

    /// Sends `method` and returns its `result`; throws the browser's
    /// error, or after `timeout`.
    public func call(
        _ method: String, _ params: [String: any Sendable] = [:], session: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Data {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var bytes = try JSONSerialization.data(withJSONObject: message)
        bytes.append(0)
        let timer = Task { [self] in
            try await Task.sleep(for: timeout)
            let failure = Failure(description: "\(method): no answer within \(timeout)")
            let waiter = self.state.withLock { state -> CheckedContinuation<Data, any Error>? in
                if let waiter = state.waiting.removeValue(forKey: id) { return waiter }
                if state.early[id] == nil { state.early[id] = .failure(failure) }
                return nil
            }
            waiter?.resume(throwing: failure)
        }
        defer { timer.cancel() }
        try await outbound.write(ByteBuffer(bytes: bytes))
        let answer = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            let ready = state.withLock { state -> Swift.Result<Data, Failure>? in
                if let early = state.early.removeValue(forKey: id) { return early }
                if let closed = state.closed { return .failure(closed) }
                state.waiting[id] = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
        if let error = DevToolsJSON.value(answer, "error") {
            throw Failure(description: "\(method): \(error)")
        }
        return try JSONSerialization.data(withJSONObject: DevToolsJSON.value(answer, "result") ?? [:])
    }

    /// Every event received so far.
    public var events: [Event] { state.withLock { $0.events } }

    /// Waits, polling every 50 ms for at most `timeout`, until an event
    /// numbered `from` or later is `method` and matches `condition`.
    public func event(
        _ method: String, after from: Int = 0, timeout: Duration = .seconds(30),
        where condition: (Event) -> Bool = { _ in true }
    ) async throws -> Event {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = events.dropFirst(from).first { $0.method == method && condition($0) }
            if let found { return found }
            if let closed = state.withLock({ $0.closed }) { throw closed }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "no \(method) event within \(timeout)")
    }

    /// Splits the browser's output at NUL bytes; answers go to their
    /// callers, events to the list. When the pipe closes, every caller
    /// still waiting is told.
    private func read(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) async throws {
        var pending: [UInt8] = []
        do {
            for try await chunk in inbound {
                pending += chunk.readableBytesView
                while let end = pending.firstIndex(of: 0) {
                    deliver(Data(pending[..<end]))
                    pending.removeFirst(end + 1)
                }
            }
            close(Failure(description: "the browser closed its DevTools pipe"))
        } catch {
            close(Failure(description: "the DevTools pipe failed: \(error)"))
            throw error
        }
    }

    private func deliver(_ message: Data) {
        if let id = DevToolsJSON.value(message, "id") as? Int {
            let waiter = state.withLock { state -> CheckedContinuation<Data, any Error>? in
                guard let waiter = state.waiting.removeValue(forKey: id) else {
                    state.early[id] = .success(message)
                    return nil
                }
                return waiter
            }
            waiter?.resume(returning: message)
        } else if let method = DevToolsJSON.value(message, "method") as? String {
            let params =
                (try? JSONSerialization.data(withJSONObject: DevToolsJSON.value(message, "params") ?? [:])) ?? Data()
            let event = Event(
                method: method, sessionID: DevToolsJSON.value(message, "sessionId") as? String, params: params)
            state.withLock { $0.events.append(event) }
        }
    }

    private func close(_ failure: Failure) {
        let waiters = state.withLock { state in
            state.closed = failure
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for waiter in waiters { waiter.resume(throwing: failure) }
    }
}
