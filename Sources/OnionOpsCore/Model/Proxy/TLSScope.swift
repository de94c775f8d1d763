/// How many certificates a project's sites share (Onionspray's
/// `ssl_cert_each_onion`: 1 is `onion`, 0 is `project`).
public enum TLSScope: String, Sendable, Hashable, Codable, CaseIterable {
    /// A certificate per onion: `keys/<onion>.onion.tls.age`.
    case perOnion = "onion"
    /// One umbrella certificate for every onion of the project (a CA's
    /// multi-onion certificate): `keys/<project>.project.tls.age`.
    case project
}
