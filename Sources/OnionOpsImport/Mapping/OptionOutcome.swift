/// What became of one EOTK setting.
public enum OptionOutcome: Sendable, Hashable {
    /// Written to these manifest keys.
    case mapped([String])
    /// EOTK's own default, written out because OnionOps' differs.
    case defaulted([String])
    /// No manifest key does this; the reason says what happens instead.
    case unsupported(String)
    /// EOTK's internals, with nothing to carry over.
    case ignored(String)

    public var status: String {
        switch self {
        case .mapped: "mapped"
        case .defaulted: "defaulted"
        case .unsupported: "unsupported"
        case .ignored: "ignored"
        }
    }

    public var keys: [String] {
        switch self {
        case .mapped(let keys), .defaulted(let keys): keys
        case .unsupported, .ignored: []
        }
    }

    public var reason: String? {
        switch self {
        case .unsupported(let reason), .ignored(let reason): reason
        case .mapped, .defaulted: nil
        }
    }
}
