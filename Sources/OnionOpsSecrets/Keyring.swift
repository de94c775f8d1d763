public import OnionOpsCore
import OnionOpsKeys

/// Every key a topology needs, opened from the sealed store: the backend
/// derivations (for addresses) and, on request, the key files themselves.
public struct Keyring: Sendable {
    public var identities: DerivedBackendIdentities
    public var material: KeyMaterial?

    /// Opens the softmap backend secrets, and with `withKeyFiles` every
    /// site key and every backend key too. A site key whose file does not
    /// match its address is refused here, before it can reach a host.
    public static func open(
        for topology: Topology,
        store: SealedKeyStore,
        identityFile: String,
        withKeyFiles: Bool
    ) async throws(SecretsError) -> Keyring {
        let identities = try await DerivedBackendIdentities.open(
            for: topology, store: store, identityFile: identityFile)
        guard withKeyFiles else { return Keyring(identities: identities, material: nil) }
        var material = KeyMaterial()
        for project in topology.projects {
            let umbrella = project.nginx.tls.scope == .project
            if umbrella {
                let tls = try await store.openTLS(.project(project.name), identityFile: identityFile)
                material.projectTLS[project.name] = KeyMaterial.TLSFiles(
                    certificate: Array(tls.certificatePEM.utf8), key: Array(tls.keyPEM.utf8))
            }
            for site in project.sites {
                guard case .success(let address) = OnionAddress.parse(site.onion) else { continue }
                if material.sites[address] == nil {
                    material.sites[address] = files(of: try await store.open(address, identityFile: identityFile))
                }
                // A site shared with a per-onion project (hardmap-cpu)
                // keeps its own certificate there.
                guard !umbrella, material.tls[address] == nil else { continue }
                let tls = try await store.openTLS(address, identityFile: identityFile)
                material.tls[address] = KeyMaterial.TLSFiles(
                    certificate: Array(tls.certificatePEM.utf8),
                    key: Array(tls.keyPEM.utf8)
                )
            }
            guard project.mode == .softmap else { continue }
            for host in project.placement.hosts {
                for instance in 1...max(project.placement.torInstances, 1) {
                    let id = BackendID(project: project.name, host: host, instance: instance)
                    if let key = identities.key(of: id) { material.backends[id] = files(of: key) }
                }
            }
        }
        return Keyring(identities: identities, material: material)
    }

    static func files(of key: OnionKey) -> KeyMaterial.TorKeyFiles {
        KeyMaterial.TorKeyFiles(
            secretKey: key.torSecretKeyFile, publicKey: key.torPublicKeyFile, hostname: key.hostnameFile)
    }
}
