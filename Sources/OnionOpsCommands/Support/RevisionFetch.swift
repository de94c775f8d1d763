import ArgumentParser
import OnionOpsEngine

/// One revision for a one-shot command, with a clear error when the source
/// cannot give one.
enum RevisionFetch {
    static func latest(_ source: any RevisionSource) async throws -> RevisionSnapshot {
        do {
            return try await source.latest()
        } catch {
            Console.err("error: \(source.description): \(error.message)")
            throw ExitCode(1)
        }
    }

    /// A folder the command names (`status`, `history`, `rollback`,
    /// `render`), read the way `reconcile` reads it.
    static func folder(_ path: String) async -> RevisionSnapshot {
        await RevisionSnapshot.read(folder: path)
    }
}
