/// The `kind` of a manifest document.
public enum ObjectKind: String, Sendable, Hashable, Codable, CaseIterable {
    case host = "Host"
    case project = "Project"
    case balancer = "Balancer"
}
