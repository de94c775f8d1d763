/// What every host of a topology should run, as rendered.
public struct DesiredState: Sendable, Hashable {
    /// In the topology's host order.
    public var hosts: [HostDesiredState]

    public init(hosts: [HostDesiredState]) {
        self.hosts = hosts
    }

    public func host(named name: String) -> HostDesiredState? {
        hosts.first { $0.host == name }
    }
}
