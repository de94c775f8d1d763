import Foundation
public import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsSecrets

/// A revision's folder -> validated topology -> every host's rendered
/// state with its keys. Invalid manifests come back as diagnostics, never
/// as a partial state.
public struct RevisionLoader: Sendable {
    public var identityFile: String

    public init(identityFile: String) {
        self.identityFile = identityFile
    }

    public enum Outcome: Sendable {
        case ready(topology: Topology, desired: DesiredState)
        case invalid([Diagnostic])
        case keysUnavailable(String)
    }

    public func load(_ revision: Revision) async -> Outcome {
        var result = await ManifestLoader().load(from: FolderManifestSource(path: revision.folder))
        result.diagnostics = (result.diagnostics + PlaintextKeyScan.scan(revision.folder)).sortedByLocation()
        guard result.isValid else { return .invalid(result.diagnostics.filter { $0.severity == .error }) }
        do {
            let keyring = try await Keyring.open(
                for: result.topology,
                store: SealedKeyStore(folder: revision.folder + "/keys"),
                identityFile: identityFile,
                withKeyFiles: true
            )
            let desired = try Renderer(identities: keyring.identities, keys: keyring.material).render(result.topology)
            return .ready(topology: result.topology, desired: desired)
        } catch let error as SecretsError {
            return .keysUnavailable("cannot open the sealed keys with \(identityFile): \(error)")
        } catch {
            return .keysUnavailable("\(error)")
        }
    }
}
