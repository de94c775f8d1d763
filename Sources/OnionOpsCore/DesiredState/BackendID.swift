/// One softmap backend: tor instance `instance` of `project` on `host`.
public struct BackendID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var project: String
    public var host: String
    public var instance: Int

    public init(project: String, host: String, instance: Int) {
        self.project = project
        self.host = host
        self.instance = instance
    }

    /// `shop-edge-1-2`: the instance name Onionbalance logs.
    public var description: String { "\(project)-\(host)-\(instance)" }

    public static func < (lhs: BackendID, rhs: BackendID) -> Bool {
        (lhs.project, lhs.host, lhs.instance) < (rhs.project, rhs.host, rhs.instance)
    }
}
