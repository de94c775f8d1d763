import Foundation
import OnionOpsTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Fetches onion URLs in a loop on a thread of its own while a test
/// reconciles (curl blocks; the reconciler's tasks must keep their
/// threads), each request on a fresh circuit, and records every attempt.
final class BackgroundFetcher: Sendable {
    struct Attempt: Sendable {
        var url: String
        var started: Date
        var seconds: Double
        var succeeded: Bool
        var detail: String
    }

    private struct State {
        var attempts: [Attempt] = []
        var stopping = false
        var finished = false
    }

    private let client: OnionClient
    private let urls: [String]
    private let accept: @Sendable (String, OnionClient.Response) -> Bool
    private let pauseSeconds: Double
    private let state = Mutex(State())

    init(
        client: OnionClient, urls: [String], pauseSeconds: Double = 1,
        accept: @escaping @Sendable (String, OnionClient.Response) -> Bool
    ) {
        self.client = client
        self.urls = urls
        self.pauseSeconds = pauseSeconds
        self.accept = accept
    }

    func start() {
        Thread.detachNewThread { [self] in
            var index = 0
            while !state.withLock({ $0.stopping }) {
                let url = urls[index % max(urls.count, 1)]
                index += 1
                let response = client.fetch(url, timeout: 60)
                let ok = accept(url, response)
                let detail = ok ? "" : "status \(response.status) \(response.error ?? "") \(response.body.prefix(120))"
                state.withLock {
                    $0.attempts.append(
                        Attempt(
                            url: url, started: response.started, seconds: response.seconds, succeeded: ok,
                            detail: detail))
                }
                usleep(UInt32(pauseSeconds * 1_000_000))
            }
            state.withLock { $0.finished = true }
        }
    }

    /// Asks the loop to end and waits for its request in flight (at most
    /// curl's 60 s and a little).
    func stop() async {
        state.withLock { $0.stopping = true }
        let deadline = Date().addingTimeInterval(70)
        while Date() < deadline, !state.withLock({ $0.finished }) {
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Attempts that started at or after `date`.
    func attempts(since date: Date = .distantPast) -> [Attempt] {
        state.withLock { $0.attempts.filter { $0.started >= date } }
    }

    /// Waits until `count` attempts started at or after `date` have
    /// finished, or `seconds` pass.
    func waitForAttempts(_ count: Int, since date: Date, within seconds: Double) async -> [Attempt] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, attempts(since: date).count < count {
            try? await Task.sleep(for: .milliseconds(500))
        }
        return attempts(since: date)
    }
}
