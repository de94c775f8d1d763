/// The Onionbalance publishers of a softmap project: each publisher host
/// holds the frontend keys of the project's sites and publishes their
/// descriptors from the backends' intro points.
public struct Balancer: Sendable, Hashable {
    public var name: String
    public var project: String
    public var hosts: [String]
    public var origin: ObjectOrigin

    public init(name: String, project: String, hosts: [String], origin: ObjectOrigin) {
        self.name = name
        self.project = project
        self.hosts = hosts
        self.origin = origin
    }
}
