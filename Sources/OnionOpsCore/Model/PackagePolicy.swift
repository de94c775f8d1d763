/// `spec.packages` on a Host: what `onionops hosts prepare` does when a
/// package the host needs is missing or too old.
public enum PackagePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Install it from the host's own apt sources.
    case install
    /// Only check, and name the command that fixes it (the default: nothing
    /// is installed on a host unless its manifest says so).
    case verify
}
