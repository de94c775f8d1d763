public import OnionOpsCore

/// Whose certificate a sealed TLS file holds: one onion's, or a project's
/// umbrella certificate (`tls.scope: project`).
public enum TLSOwner: Sendable, Hashable, CustomStringConvertible {
    case site(OnionAddress)
    case project(String)

    /// `<onion>.onion.tls.age` or `<project>.project.tls.age`. Project
    /// names are DNS labels (no dots), so the two never collide.
    public var fileName: String {
        switch self {
        case .site(let address): SealedKeyStore.tlsFileName(for: address)
        case .project(let name): name + SealedKeyStore.projectTLSSuffix
        }
    }

    /// The onion, or `project <name>`.
    public var description: String {
        switch self {
        case .site(let address): address.description
        case .project(let name): "project \(name)"
        }
    }
}
