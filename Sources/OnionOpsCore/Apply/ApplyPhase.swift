/// The parts of a host's change that the reconciler runs across all hosts
/// in turn: every host's main part, then publishers (once the backends
/// they need are healthy everywhere), then removals (after publishers
/// dropped removed backends), then the record of the new generation.
public enum ApplyPhase: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    /// Folders, keys and TLS material; nginx; tor instances.
    case main
    /// Onionbalance publishers.
    case publishers
    /// Daemons that are no longer wanted stop; their files go.
    case removal

    public static func < (lhs: ApplyPhase, rhs: ApplyPhase) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .main: "main"
        case .publishers: "publishers"
        case .removal: "removal"
        }
    }
}
