/// Where OnionOps puts things on a host, relative to the host's root.
///
/// The renderer and the validator share this one definition, so a socket
/// path that validation measured is the path that gets written.
public struct HostLayout: Sendable, Hashable {
    /// The host's root prefix: `/` on a real server, a folder for a sandbox.
    public var root: String

    public init(root: String) {
        self.root = root
    }

    /// Unix socket paths must fit in `sun_path` (108 bytes with the NUL).
    public static let maxSocketPathBytes = 107

    public static let configDirectory = "/etc/onionops"
    public static let stateDirectory = "/var/lib/onionops"
    public static let runDirectory = "/run/onionops"

    /// A host-absolute path as seen from the machine OnionOps runs on.
    public func resolve(_ hostPath: String) -> String {
        if root == "/" || root.isEmpty { return hostPath }
        let trimmed = root.hasSuffix("/") ? String(root.dropLast()) : root
        return trimmed + hostPath
    }

    // MARK: Projects

    public static func projectRunDirectory(_ project: String) -> String {
        "\(runDirectory)/\(project)"
    }

    /// nginx listens here for one site and one virtual port (80 or 443);
    /// tor's HiddenServicePort points at it.
    public static func nginxSocket(project: String, site: OnionAddress, port: Int) -> String {
        "\(projectRunDirectory(project))/nx/\(site.shortName)-\(port).sock"
    }

    /// One folder per tor instance: tor wants its ControlSocket's folder
    /// 0700 and owned by its user, which nginx's sockets must not share.
    public static func torControlSocket(project: String, instance: Int) -> String {
        "\(projectRunDirectory(project))/tor\(instance)/control.sock"
    }

    // MARK: Publishers

    public static func publisherRunDirectory(_ balancer: String) -> String {
        "\(runDirectory)/ob-\(balancer)"
    }

    public static func publisherControlSocket(balancer: String) -> String {
        "\(publisherRunDirectory(balancer))/tor/control.sock"
    }

    public static func publisherStatusSocket(balancer: String) -> String {
        "\(publisherRunDirectory(balancer))/status.sock"
    }
}
