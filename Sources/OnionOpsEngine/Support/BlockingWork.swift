import Foundation

/// Runs disk-bound work (reading a revision's folder) on a thread of its
/// own, so it never holds one of the cooperative pool's few threads.
enum BlockingWork {
    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "onionops-read"
            thread.start()
        }
    }
}
