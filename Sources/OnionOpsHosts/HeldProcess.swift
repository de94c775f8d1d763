import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process that outlives the call that started it: the `ssh` whose
/// shell on the host holds a host lock for a whole session. Its standard
/// input is a pipe this process keeps open (closing it, or dying, ends the
/// child's input), its output and errors are read as they come.
///
/// Every descriptor is close-on-exec: no other child of this process (tor,
/// nginx, another ssh) may keep its input open, or the host would stay
/// locked after this process died.
final class HeldProcess: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private struct State {
        /// -1 once closed.
        var input: Int32
        var output: Int32
        var errors: Int32
        var outputText: [UInt8] = []
        var errorText: [UInt8] = []
        var outputEnded = false
        /// Exit status once reaped (128 + signal for a signal).
        var status: Int32?
        /// The line the child answers each keep-alive with, taken out of
        /// the output as it comes, and when it last came.
        var ack: [UInt8]?
        var lastAck = ContinuousClock.now
    }

    let pid: pid_t
    private let state: Mutex<State>

    private init(pid: pid_t, input: Int32, output: Int32, errors: Int32) {
        self.pid = pid
        state = Mutex(State(input: input, output: output, errors: errors))
    }

    /// Starts `executable` with its standard streams on fresh socket pairs.
    static func start(_ executable: String, _ arguments: [String]) throws(Failure) -> HeldProcess {
        // Socket pairs rather than pipes: they are made close-on-exec in
        // the same call (pipe2 is not imported into Swift, and a pipe marked
        // afterwards could leak into a child another thread spawns
        // meanwhile), and `send` with MSG_NOSIGNAL never raises SIGPIPE.
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var ends: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
                let reason = String(cString: strerror(errno))
                for fd in pipes.joined() { _ = close(fd) }
                throw Failure(description: "cannot make a socket pair: \(reason)")
            }
            // Each is used one way: [0] the child's end, [1] ours.
            pipes.append(ends)
        }
        let (input, output, errors) = (pipes[0], pipes[1], pipes[2])
        // The same environment rule as every command run for a host: ssh
        // keeps only what it needs to find its keys.
        let started: Result<pid_t, any Error> = Result {
            try Spawn.start(
                executable, arguments, standardInput: input[0], standardOutput: output[1], standardError: errors[1],
                environment: ChildEnvironment.forHostCommand(executable))
        }
        // The child's ends are its own now.
        _ = close(input[0])
        _ = close(output[1])
        _ = close(errors[1])
        let pid: pid_t
        switch started {
        case .success(let spawned): pid = spawned
        case .failure(let error):
            for fd in [input[1], output[0], errors[0]] { _ = close(fd) }
            throw Failure(description: "\(error)")
        }
        // Never block this process on the child: writes to a child that
        // stopped reading are dropped, reads take what is there.
        for fd in [input[1], output[0], errors[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return HeldProcess(pid: pid, input: input[1], output: output[0], errors: errors[0])
    }

    /// The first line the child writes (without its newline), waiting until
    /// `deadline`; nil if its output ends or the time runs out first.
    ///
    /// Waiting is a short async sleep between non-blocking reads, never a
    /// blocking poll: this runs on the cooperative pool, and a lock being
    /// taken on one host must not hold a thread other hosts need.
    func readLine(until deadline: ContinuousClock.Instant) async -> String? {
        while true {
            let (line, ended): (String?, Bool) = state.withLock { state in
                Self.pump(&state)
                guard let newline = state.outputText.firstIndex(of: UInt8(ascii: "\n")) else {
                    return (nil, state.outputEnded)
                }
                let line = String(decoding: state.outputText[..<newline], as: UTF8.self)
                state.outputText.removeSubrange(...newline)
                return (line, false)
            }
            if let line { return line }
            guard !ended, await pause(until: deadline) else { return nil }
        }
    }

    /// Everything the child writes until its output ends (or `deadline`).
    func readRest(until deadline: ContinuousClock.Instant) async -> String {
        while !outputEnded, await pause(until: deadline) {}
        return state.withLock { state in
            Self.pump(&state)
            defer { state.outputText = [] }
            return String(decoding: state.outputText, as: UTF8.self)
        }
    }

    /// Whether the child's output has ended (it exited, or closed it), and
    /// any unread output, without waiting.
    func peek() -> (ended: Bool, pending: String) {
        state.withLock { state in
            Self.pump(&state)
            return (state.outputEnded, String(decoding: state.outputText, as: UTF8.self))
        }
    }

    var errorOutput: String {
        state.withLock { state in
            Self.pump(&state)
            return String(decoding: state.errorText, as: UTF8.self)
        }
    }

    /// Whether the output has ended, after taking in what is there.
    private var outputEnded: Bool {
        state.withLock { state in
            Self.pump(&state)
            return state.outputEnded
        }
    }

    /// Sleeps a few milliseconds (without holding a thread) unless the
    /// deadline has passed; false once it has.
    private func pause(until deadline: ContinuousClock.Instant) async -> Bool {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return false }
        try? await Task.sleep(for: min(remaining, .milliseconds(5)))
        return true
    }

    /// Moves what the pipes hold into the buffers.
    private static func pump(_ state: inout State) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while state.output >= 0 {
            let count = read(state.output, &buffer, buffer.count)
            if count > 0 {
                state.outputText += buffer[..<count]
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                _ = close(state.output)
                state.output = -1
                state.outputEnded = true
            } else if errno == EAGAIN {
                break
            }
        }
        // Answers to keep-alives, also those that came in the same read as
        // a line taken since (keep-alives start before `held` is read, so
        // `held` and `alive` can arrive together).
        if let ack = state.ack {
            while state.outputText.starts(with: ack) {
                state.outputText.removeFirst(ack.count)
                state.lastAck = .now
            }
        }
        while state.errors >= 0 {
            let count = read(state.errors, &buffer, buffer.count)
            if count > 0 {
                // Bounded: only its last lines matter, for messages.
                state.errorText = Array((state.errorText + buffer[..<count]).suffix(8192))
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                _ = close(state.errors)
                state.errors = -1
            } else if errno == EAGAIN {
                break
            }
        }
    }

    /// Writes `bytes` to the child's input if it takes them at once; false
    /// when the input is closed or the child no longer reads it. Under the
    /// state's lock, so a descriptor closed meanwhile is never reused here.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        state.withLock { state in
            guard state.input >= 0 else { return false }
            let flags = Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)
            return bytes.withUnsafeBytes { send(state.input, $0.baseAddress, $0.count, flags) } == bytes.count
        }
    }

    /// Ends the child's input: what it reads next is end of file.
    func closeInput() {
        state.withLock { state in
            if state.input >= 0 { _ = close(state.input) }
            state.input = -1
        }
    }

    /// Writes `line` to the child's input every `interval` from a thread of
    /// its own (not a Swift concurrency thread: those can all be busy in
    /// blocking waits for longer than a lease), until the input is closed.
    /// The child answers each with `ack` (a line); `sinceAck` says how long
    /// ago the last answer came.
    func keepAlive(every interval: Duration, line: [UInt8], ack: String) {
        state.withLock { state in
            state.ack = Array((ack + "\n").utf8)
            state.lastAck = .now
        }
        let thread = Thread { [weak self] in
            var next = ContinuousClock.now + interval
            while let process = self, process.state.withLock({ $0.input >= 0 }) {
                if ContinuousClock.now >= next {
                    process.write(line)
                    next = ContinuousClock.now + interval
                }
                // Answers are taken in as they come, so their times are true
                // even when nobody asks for a while.
                process.state.withLock { Self.pump(&$0) }
                usleep(200_000)
            }
        }
        thread.name = "onionops lock keep-alive"
        thread.start()
    }

    /// Time since the child last answered a keep-alive.
    var sinceAck: Duration {
        state.withLock { state in
            Self.pump(&state)
            return state.lastAck.duration(to: .now)
        }
    }

    /// The exit status once the child has exited, waiting until `deadline`
    /// (a non-blocking reap between async sleeps).
    func wait(until deadline: ContinuousClock.Instant) async -> Int32? {
        while true {
            if let status = reap() { return status }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGKILL, then reap.
    func kill() async {
        guard reap() == nil else { return }
        Glibc.kill(pid, SIGKILL)
        _ = await wait(until: .now + .seconds(5))
    }

    private func reap() -> Int32? {
        state.withLock { state in
            if let status = state.status { return status }
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                let signal = raw & 0x7F
                state.status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
            } else if reaped < 0 && errno == ECHILD {
                state.status = -1
            }
            return state.status
        }
    }

    deinit {
        // Dropped without a release: closing its input ends the child (the
        // host frees the lock), and a thread of its own reaps it (never a
        // thread of the cooperative pool).
        let pid = pid
        let running = state.withLock { state -> Bool in
            for fd in [state.input, state.output, state.errors] where fd >= 0 { _ = close(fd) }
            return state.status == nil
        }
        if running {
            Thread.detachNewThread {
                var raw: Int32 = 0
                while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            }
        }
    }
}
