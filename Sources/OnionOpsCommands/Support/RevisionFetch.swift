import ArgumentParser
import OnionOpsDaemon

/// One revision for a one-shot command, with a clear error when the source
/// cannot give one.
enum RevisionFetch {
    static func latest(_ source: any RevisionSource) async throws -> Revision {
        do {
            return try await source.latest()
        } catch {
            Console.err("error: \(source.description): \(error.message)")
            throw ExitCode(1)
        }
    }
}

extension Revision {
    /// A git commit names the revision; a plain folder is named by the
    /// rendered state instead (see Deployment).
    var idOrNil: String? { id.hasPrefix("folder-") ? nil : id }
}
