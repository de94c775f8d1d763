extension Topology {
    /// Every daemon a host runs, in a stable order: projects in manifest
    /// order (tor instances, then nginx), then publishers.
    public func instances(on host: String) -> [DaemonInstance] {
        var result: [DaemonInstance] = []
        for project in projects where project.placement.hosts.contains(host) {
            for index in 1...max(project.placement.torInstances, 1) {
                result.append(.tor(project: project.name, index: index, mode: project.mode))
            }
            result.append(.nginx(project: project.name))
        }
        for balancer in balancers where balancer.hosts.contains(host) {
            result.append(.publisher(balancer: balancer.name, project: balancer.project))
        }
        return result
    }
}
