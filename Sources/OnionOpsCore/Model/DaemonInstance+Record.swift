extension DaemonInstance {
    /// Space-separated fields for a generation's MANIFEST: names are
    /// validated to hold no spaces, so the record parses back exactly.
    public var record: String {
        switch self {
        case .tor(let project, let index, let mode): "tor \(project) \(index) \(mode.rawValue)"
        case .nginx(let project): "nginx \(project)"
        case .publisher(let balancer, let project): "publisher \(balancer) \(project)"
        }
    }

    public init?(record: some StringProtocol) {
        let fields = String(record).split(separator: " ").map(String.init)
        switch (fields.first, fields.count) {
        case ("tor", 4):
            guard let index = Int(fields[2]), let mode = ProjectMode(rawValue: fields[3]) else { return nil }
            self = .tor(project: fields[1], index: index, mode: mode)
        case ("nginx", 2): self = .nginx(project: fields[1])
        case ("publisher", 3): self = .publisher(balancer: fields[1], project: fields[2])
        default: return nil
        }
    }

    /// The project whose sites this daemon serves.
    public var project: String {
        switch self {
        case .tor(let project, _, _), .nginx(let project), .publisher(_, let project): project
        }
    }
}
