public import OnionOpsCore
public import OnionOpsKeys

/// Backend addresses derived from each softmap project's sealed secret
/// (`keys/<project>.backends.age`): known before anything is applied, and
/// the same on every reconcile.
public struct DerivedBackendIdentities: BackendIdentities {
    private let derivations: [String: BackendKeyDerivation]

    public init(derivations: [String: BackendKeyDerivation]) {
        self.derivations = derivations
    }

    /// Opens the backend secret of every softmap project in `topology`.
    public static func open(
        for topology: Topology,
        store: SealedKeyStore,
        identityFile: String
    ) async throws(SecretsError) -> DerivedBackendIdentities {
        var derivations: [String: BackendKeyDerivation] = [:]
        for project in topology.projects where project.mode == .softmap {
            derivations[project.name] = try await store.openBackendDerivation(
                project: project.name,
                identityFile: identityFile
            )
        }
        return DerivedBackendIdentities(derivations: derivations)
    }

    public func key(of backend: BackendID) -> OnionKey? {
        derivations[backend.project]?.key(project: backend.project, host: backend.host, instance: backend.instance)
    }

    /// Only called for softmap projects, all of which `open` loaded; a
    /// project without a derivation is a programming error upstream.
    public func address(of backend: BackendID) -> OnionAddress {
        guard let key = key(of: backend) else {
            preconditionFailure("no backend secret opened for project \(backend.project)")
        }
        return key.address
    }
}
