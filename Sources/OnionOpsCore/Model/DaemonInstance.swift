/// A daemon the topology asks a host to run.
public enum DaemonInstance: Sendable, Hashable, CustomStringConvertible {
    /// tor instance `index` (1-based) of a project: in a hardmap it serves
    /// every site; in a softmap it is an Onionbalance backend.
    case tor(project: String, index: Int, mode: ProjectMode)
    /// One nginx per project per host, behind that project's tor instances.
    case nginx(project: String)
    /// An Onionbalance publisher (with its own tor) for a balancer.
    case publisher(balancer: String, project: String)

    /// Stable short name: `tor-news-1`, `nginx-news`, `ob-news-front`.
    public var description: String {
        switch self {
        case .tor(let project, let index, _): "tor-\(project)-\(index)"
        case .nginx(let project): "nginx-\(project)"
        case .publisher(let balancer, _): "ob-\(balancer)"
        }
    }
}
