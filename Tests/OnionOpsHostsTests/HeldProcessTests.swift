import Testing

@testable import OnionOpsHosts

/// The lock's ssh child: keep-alives start with it (the host's lease
/// starts at `held`, whenever this process gets to read it), so `held` and
/// the first answers can come in one read.
@Suite("the lock holder's process")
struct HeldProcessTests {
    @Test("an answer that came in the same read as the first line is not left as unexplained output")
    func ackAfterFirstLine() async throws {
        let child = try HeldProcess.start("/bin/sh", ["-c", "printf 'held\\nalive\\nalive\\n'; exec sleep 600"])
        child.keepAlive(every: .seconds(60), line: Array("\n".utf8), ack: "alive")
        // Both lines are in the pipe before anything reads them.
        try await Task.sleep(for: .milliseconds(300))
        let first = await child.readLine(until: .now + .seconds(10))
        #expect(first == "held")
        let (ended, pending) = child.peek()
        #expect(!ended)
        #expect(pending.isEmpty, "left over: \(pending)")
        child.closeInput()
        await child.kill()
    }
}
