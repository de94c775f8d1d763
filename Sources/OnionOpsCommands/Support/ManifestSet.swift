import ArgumentParser
import OnionOpsCore
import OnionOpsManifest
import OnionOpsSecrets

/// A validated manifest folder and its sealed keys, for the commands that
/// manage keys or only read the topology (`keys`, `graph`); the commands
/// that deploy go through `Engine`.
struct ManifestSet {
    var path: String
    var topology: Topology

    var keysFolder: String { path.hasSuffix("/") ? path + "keys" : path + "/keys" }
    var store: SealedKeyStore { SealedKeyStore(folder: keysFolder) }

    /// Loads and validates; on problems prints them and exits 1.
    static func load(_ path: String, output: OutputFormat = .text) async throws -> ManifestSet {
        let result = await ManifestIntake.load(path)
        guard result.isValid else {
            switch output {
            case .text: DiagnosticReport.printText(result, source: path)
            case .json: Console.out(JSONOutput.render(DiagnosticReport(source: path, result: result)))
            }
            throw ExitCode(1)
        }
        return ManifestSet(path: path, topology: result.topology)
    }
}
