/// Every object of a manifest set, in the order they were read.
///
/// A topology is what intake produces; it is not known to be valid until
/// `Validator` has returned no errors for it.
public struct Topology: Sendable, Hashable {
    public var hosts: [Host]
    public var projects: [Project]
    public var balancers: [Balancer]

    public init(hosts: [Host] = [], projects: [Project] = [], balancers: [Balancer] = []) {
        self.hosts = hosts
        self.projects = projects
        self.balancers = balancers
    }

    public func host(named name: String) -> Host? { hosts.first { $0.name == name } }
    public func project(named name: String) -> Project? { projects.first { $0.name == name } }

    /// The balancers that publish a project's frontends.
    public func balancers(of project: String) -> [Balancer] {
        balancers.filter { $0.project == project }
    }

    public var objectCount: Int { hosts.count + projects.count + balancers.count }
}
