/// Where a daemon's binary is and which user it runs as on a host.
public struct DaemonSettings: Sendable, Hashable {
    public var binary: String
    public var user: String

    public init(binary: String, user: String) {
        self.binary = binary
        self.user = user
    }

    // Debian 12 package paths and users.
    public static let torDefault = DaemonSettings(binary: "/usr/sbin/tor", user: "debian-tor")
    public static let nginxDefault = DaemonSettings(binary: "/usr/sbin/nginx", user: "www-data")
    public static let onionbalanceDefault = DaemonSettings(binary: "/usr/sbin/onionbalance", user: "onionbalance")
}
