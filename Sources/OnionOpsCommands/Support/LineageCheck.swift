import ArgumentParser
import OnionOpsCore
import OnionOpsEngine

/// `reconcile` and `drift` from git: the head must descend from what each
/// chosen host runs (see `GitRevisionSource.checkLineage`), before anything
/// is planned or applied; an override is printed, never silent.
enum LineageCheck {
    static func require(_ source: any RevisionSource, _ snapshot: RevisionSnapshot, hosts: [Host]) async throws {
        do {
            for note in try await source.checkLineage(snapshot.revision, hosts: hosts) {
                Console.err("warning: \(note)")
            }
        } catch {
            Console.err("error: \(error.message)")
            throw ExitCode(1)
        }
    }
}
