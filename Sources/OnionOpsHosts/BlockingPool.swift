import Foundation
import NIOPosix
import Synchronization

/// Threads for work that blocks: file I/O with fsync and hashing, libgit2,
/// a unix-socket exchange. Swift's cooperative pool has one thread per
/// core (2 here); a blocking call there stalls every other host's task, so
/// such work hops onto one of these threads, once per batch (a whole
/// `stat`, `read` or `apply` of the local transport), not once per file.
public final class BlockingPool: Sendable {
    private let pool: NIOThreadPool

    /// A pool of `threads` threads, started now and kept for the process.
    public init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// Runs `body` on one of the pool's threads; the caller's task waits
    /// without holding a thread.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let outcome: Result<T, E>
        do {
            outcome = try await pool.runIfActive { () -> Result<T, E> in
                do throws(E) {
                    return .success(try body())
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            // The pool is never shut down; should it be, the work still
            // gets a thread of its own rather than a pool thread.
            outcome = await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    do throws(E) {
                        continuation.resume(returning: .success(try body()))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
        }
        return try outcome.get()
    }

    private static let sharedThreads = Mutex(16)

    /// Sizes the shared pool, before its first use (later calls change
    /// nothing): the reconciler passes its `--parallel`, so N hosts can
    /// each have a batch of file work under way at once.
    public static func sizeShared(threads: Int) {
        sharedThreads.withLock { $0 = max(1, threads) }
    }

    /// The pool every host's blocking work shares; 16 threads unless
    /// `sizeShared(threads:)` said otherwise first.
    public static let shared = BlockingPool(threads: sharedThreads.withLock { $0 })
}
