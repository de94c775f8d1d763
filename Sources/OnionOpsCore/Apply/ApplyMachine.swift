/// The applier's state machine for one host: hands out the next step of a
/// phase, takes each step's outcome, and stops at the first failure. The
/// executor does the I/O; this decides what comes next, so the order and
/// the stop-on-failure rule are tested without a host.
public struct ApplyMachine: Sendable {
    public enum Status: Sendable, Hashable {
        case running
        case failed(step: ApplyStep, reason: String)
        case finished
    }

    public let program: ApplyProgram
    public private(set) var status: Status = .running
    /// Steps that completed, in order.
    public private(set) var done: [ApplyStep] = []
    private var cursor = 0
    private var pending: ApplyStep?

    public init(program: ApplyProgram) {
        self.program = program
        if program.entries.isEmpty { status = .finished }
    }

    /// The next step of `phase`, or nil when the phase is done or the
    /// apply has failed. Steps of earlier phases must all be done.
    public mutating func next(in phase: ApplyPhase) -> ApplyStep? {
        guard status == .running, pending == nil else { return nil }
        while cursor < program.entries.count, program.entries[cursor].phase < phase {
            // An earlier phase was skipped (the host had nothing to do
            // there, or the caller held it): nothing of it may run later.
            cursor += 1
        }
        guard cursor < program.entries.count, program.entries[cursor].phase == phase else { return nil }
        pending = program.entries[cursor].step
        return pending
    }

    public mutating func succeeded() {
        guard let step = pending else { return }
        done.append(step)
        pending = nil
        cursor += 1
        if cursor == program.entries.count { status = .finished }
    }

    public mutating func failed(_ reason: String) {
        guard let step = pending else { return }
        pending = nil
        status = .failed(step: step, reason: reason)
    }

    /// Whether any step of `phase` or later remains.
    public func hasSteps(from phase: ApplyPhase) -> Bool {
        program.entries[cursor...].contains { $0.phase >= phase }
    }

    public var isFailed: Bool {
        if case .failed = status { return true }
        return false
    }
}
