import OnionOpsCore

/// One manifest document after decoding.
enum DecodedObject {
    case host(Host)
    case project(Project)
    case balancer(Balancer)
}
