import ConsoleKitTerminal
import Foundation
import OnionOpsReconcile
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A reconcile's progress on a terminal: one line per host (its step and
/// the time since it began) redrawn in place four times a second, coloured
/// through ConsoleKit. A failed step, a rollback and each
/// host's result are printed for good above the live lines, so nothing is
/// lost when they go. Colour unless `NO_COLOR` is set (no-color.org).
/// Only when stdout and stderr are both terminals: otherwise the caller
/// keeps the line-per-step log on stderr.
final class LiveProgress: Sendable {
    private struct State {
        var board = ProgressBoard()
        /// Live rows on screen now.
        var drawn = 0
        var finished = false
        var lastDraw = Date.distantPast
    }

    private let terminal = Terminal()
    private let colour: Bool
    private let state = Mutex(State())
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    /// A terminal on both stdout and stderr, and one that moves its cursor.
    static func isAvailable(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isatty(STDOUT_FILENO) == 1, isatty(STDERR_FILENO) == 1 else { return false }
        let term = environment["TERM"] ?? ""
        return !term.isEmpty && term != "dumb"
    }

    /// `NO_COLOR` set to anything but the empty string turns colour off.
    static func wantsColour(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        (environment["NO_COLOR"] ?? "").isEmpty
    }

    init(colour: Bool = LiveProgress.wantsColour()) {
        self.colour = colour
    }

    /// Starts the clock that redraws the elapsed times.
    func start() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                self?.redraw()
            }
        }
        ticker.withLock { $0 = task }
    }

    func record(_ event: ReconcileEvent) {
        state.withLock { state in
            guard !state.finished else { return }
            let now = Date()
            let lasting = state.board.record(event, at: now)
            // Steps can come by the hundred a second: the rows are redrawn
            // at most ten times a second, a lasting line at once.
            if !lasting.isEmpty || now.timeIntervalSince(state.lastDraw) >= 0.1 { draw(&state, lasting: lasting) }
        }
    }

    /// Takes the live lines away (the results follow) and stops the clock.
    func finish() {
        ticker.withLock { $0?.cancel() }
        state.withLock { state in
            guard !state.finished else { return }
            erase(state.drawn)
            // The results after this are written straight to the
            // descriptor, not through stdio's buffer.
            fflush(nil)
            state.drawn = 0
            state.finished = true
        }
    }

    private func redraw() {
        state.withLock { state in
            guard !state.finished else { return }
            draw(&state, lasting: [])
        }
    }

    /// Under the state lock: one writer to the terminal at a time.
    private func draw(_ state: inout State, lasting: [ProgressBoard.Line]) {
        erase(state.drawn)
        for line in lasting { terminal.output(text(line)) }
        // No size (not a real terminal window): 80 by 24. Rows past the
        // window's height could not be moved back over; they are counted.
        let size = terminal.size
        let width = size.width > 0 ? size.width : 80
        let height = size.height > 0 ? size.height : 24
        var rows = state.board.lines(at: Date(), width: width)
        if rows.count > height - 2 {
            let more = rows.count - (height - 3)
            rows =
                Array(rows.prefix(height - 3)) + [ProgressBoard.Line(text: "... and \(more) more hosts", tone: .plain)]
        }
        for line in rows { terminal.output(text(line)) }
        fflush(nil)
        state.drawn = rows.count
        state.lastDraw = Date()
    }

    /// Moves up over the live rows and erases them and what is below, in
    /// one write. Not ConsoleKit's `clear(lines:)`: on Linux its every
    /// cursor command does `fdopen(STDOUT_FILENO)` and never closes it, a
    /// FILE leaked per line per redraw (4.16.2), which a long reconcile of
    /// a large fleet would feel.
    private func erase(_ lines: Int) {
        guard lines > 0 else { return }
        terminal.output("\u{1B}[\(lines)F\u{1B}[J".consoleText(), newLine: false)
    }

    private func text(_ line: ProgressBoard.Line) -> ConsoleText {
        guard colour else { return line.text.consoleText() }
        switch line.tone {
        case .plain: return line.text.consoleText()
        case .active: return line.text.consoleText(color: .cyan)
        case .good: return line.text.consoleText(color: .green)
        case .bad: return line.text.consoleText(color: .red, isBold: true)
        case .warning: return line.text.consoleText(color: .yellow)
        }
    }
}
