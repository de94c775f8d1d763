import ArgumentParser
import OnionOpsCore
import OnionOpsManifest
import OnionOpsSecrets

/// A validated manifest folder and its sealed keys, for commands that need
/// both.
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

    /// The keys the topology needs: backend addresses always, key files
    /// when `withKeyFiles`. Explains what to do when they cannot be opened.
    func keyring(_ identity: IdentityOptions, withKeyFiles: Bool) async throws -> Keyring {
        let location = identity.location
        do {
            return try await Keyring.open(
                for: topology,
                store: store,
                identityFile: location.path,
                withKeyFiles: withKeyFiles
            )
        } catch {
            Console.err(
                "error: cannot open the sealed keys in \(keysFolder) with the age identity \(location): \(error)")
            switch error.code {
            case .noSuchIdentity, .wrongIdentity, .badIdentity:
                Console.err(
                    "hint: pass --identity FILE or set ONIONOPS_AGE_IDENTITY (the examples use demo/age-identity.txt)")
            default:
                Console.err("hint: `onionops keys check \(path)` lists what is missing; `onionops keys new` makes keys")
            }
            throw ExitCode(1)
        }
    }
}
