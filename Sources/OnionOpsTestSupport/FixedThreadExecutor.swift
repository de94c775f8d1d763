import Foundation

/// A task executor with a fixed number of threads of its own: a stand-in
/// for Swift's cooperative pool (one thread per core) that the rest of a
/// test run cannot starve. In a full `swift test`, synchronous tests that
/// wait on processes hold the real pool's two threads here for seconds at
/// a time, so a test that asks "does this code block a pool thread?" on the
/// real pool measures the other tests. On this executor it measures only
/// its own tasks: `withTaskExecutorPreference(executor) { ... }`.
public final class FixedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var stopping = false

    public init(threads: Int) {
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in runJobs() }
            thread.name = "fixed-executor-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once the queue is empty.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
