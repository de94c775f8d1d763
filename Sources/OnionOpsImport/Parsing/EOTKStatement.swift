public import OnionOpsCore

/// One statement of an EOTK project file.
public enum EOTKStatement: Sendable, Hashable {
    /// `set NAME VALUE...`: the name lowercased, the value its words joined
    /// by one space (as EOTK stores it).
    case set(name: EOTKToken, value: [EOTKToken])
    /// `hardmap|softmap ONION DOMAIN [SUB...]`.
    case map(mode: ProjectMode, onion: EOTKToken, domain: EOTKToken, subdomains: [EOTKToken], project: String)
    /// `foreignmap ONION DOMAIN`.
    case foreignmap(onion: EOTKToken, domain: EOTKToken)
}
