import OnionOpsHosts

/// libgit2's own thread. Its calls block (a fetch over the network, tree
/// walks, object reads) and so does the ssh-keygen its certificate callback
/// runs: none of that may hold a thread of Swift's cooperative pool. Every
/// async entry point hops here, one at a time, so a repository's handle is
/// only ever used by this one thread.
public enum GitThread {
    private static let pool = BlockingPool(threads: 1)

    /// Runs `body` on libgit2's thread; the caller's task waits without
    /// holding a thread.
    public static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        try await pool.run(body)
    }
}
