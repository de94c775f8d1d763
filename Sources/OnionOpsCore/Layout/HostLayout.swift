/// Where OnionOps puts things on a host, as host-absolute paths.
///
/// The renderer, the validator and (later) the host transports share this
/// one definition, so a socket path that validation measured is the path
/// that gets written. Projects and balancers live in separate subtrees so
/// a project and a balancer may share a name.
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
    public static let logDirectory = "/var/log/onionops"

    /// The folders OnionOps owns outright; everything it manages is below
    /// one of them.
    public static let topDirectories = [configDirectory, stateDirectory, runDirectory, logDirectory]

    /// A host-absolute path as the daemons on the host see it: under the
    /// root prefix for a sandbox host, unchanged for `/`.
    public func resolve(_ hostPath: String) -> String {
        if root == "/" || root.isEmpty { return hostPath }
        let trimmed = root.hasSuffix("/") ? String(root.dropLast()) : root
        return trimmed + hostPath
    }

    // MARK: Projects

    public static func projectConfigDirectory(_ project: String) -> String {
        "\(configDirectory)/projects/\(project)"
    }

    public static func torrc(project: String, instance: Int) -> String {
        "\(projectConfigDirectory(project))/tor\(instance).torrc"
    }

    public static func nginxConfig(project: String) -> String {
        "\(projectConfigDirectory(project))/nginx.conf"
    }

    public static func tlsDirectory(project: String) -> String {
        "\(projectConfigDirectory(project))/tls"
    }

    public static func tlsCertificate(project: String, site: OnionAddress) -> String {
        "\(tlsDirectory(project: project))/\(site.shortName).crt"
    }

    public static func tlsKey(project: String, site: OnionAddress) -> String {
        "\(tlsDirectory(project: project))/\(site.shortName).key"
    }

    /// The umbrella certificate of a `tls.scope: project` project; never
    /// a site's name (those are 16 base32 characters).
    public static func tlsProjectCertificate(project: String) -> String {
        "\(tlsDirectory(project: project))/project.crt"
    }

    public static func tlsProjectKey(project: String) -> String {
        "\(tlsDirectory(project: project))/project.key"
    }

    public static func projectStateDirectory(_ project: String) -> String {
        "\(stateDirectory)/p/\(project)"
    }

    /// tor's DataDirectory: 0700, owned by tor's user.
    public static func torDataDirectory(project: String, instance: Int) -> String {
        "\(projectStateDirectory(project))/tor\(instance)"
    }

    /// A hardmap site's HiddenServiceDir in one tor instance.
    public static func siteServiceDirectory(project: String, instance: Int, site: OnionAddress) -> String {
        "\(torDataDirectory(project: project, instance: instance))/hs-\(site.shortName)"
    }

    /// A softmap backend's HiddenServiceDir (its own address, and ob_config).
    public static func backendServiceDirectory(project: String, instance: Int) -> String {
        "\(torDataDirectory(project: project, instance: instance))/hs-backend"
    }

    /// Holds nginx's temp folders and cache: root-owned, so the workers'
    /// user can change what is inside each of them but not swap one for a
    /// symlink, which the master (root) would chown on its next start or
    /// reload (the CVE-2016-1247 pattern).
    public static func nginxStateDirectory(project: String) -> String {
        "\(projectStateDirectory(project))/nginx"
    }

    /// Each `*_temp_path` directive and its folder, owned by the workers'
    /// user; made by OnionOps, so nginx finds them there and only checks
    /// them.
    public static func nginxTempDirectories(project: String) -> [(directive: String, path: String)] {
        [
            ("client_body_temp_path", "client_body"), ("proxy_temp_path", "proxy"), ("fastcgi_temp_path", "fastcgi"),
            ("uwsgi_temp_path", "uwsgi"), ("scgi_temp_path", "scgi"),
        ].map { ($0.0, "\(nginxStateDirectory(project: project))/\($0.1)") }
    }

    public static func nginxCacheDirectory(project: String) -> String {
        "\(nginxStateDirectory(project: project))/cache"
    }

    public static func nginxLogDirectory(project: String) -> String {
        "\(logDirectory)/\(project)"
    }

    public static func projectRunDirectory(_ project: String) -> String {
        "\(runDirectory)/p/\(project)"
    }

    /// One folder per tor instance: tor wants its ControlSocket's folder
    /// 0700 and owned by its user, which nginx's sockets must not share.
    public static func torRunDirectory(project: String, instance: Int) -> String {
        "\(projectRunDirectory(project))/tor\(instance)"
    }

    public static func torControlSocket(project: String, instance: Int) -> String {
        "\(torRunDirectory(project: project, instance: instance))/control.sock"
    }

    public static func torPidFile(project: String, instance: Int) -> String {
        "\(torRunDirectory(project: project, instance: instance))/tor.pid"
    }

    public static func nginxSocketDirectory(project: String) -> String {
        "\(projectRunDirectory(project))/nx"
    }

    /// nginx listens here for one virtual port (80 or 443) of every site of
    /// the project, choosing the site by Host (and SNI); every tor instance
    /// of the project points its HiddenServicePort lines here.
    public static func nginxSocket(project: String, port: Int) -> String {
        "\(nginxSocketDirectory(project: project))/p\(port).sock"
    }

    public static func nginxPidFile(project: String) -> String {
        "\(projectRunDirectory(project))/nginx.pid"
    }

    // MARK: Publishers

    public static func publisherConfigDirectory(_ balancer: String) -> String {
        "\(configDirectory)/balancers/\(balancer)"
    }

    public static func publisherConfig(balancer: String) -> String {
        "\(publisherConfigDirectory(balancer))/config.yaml"
    }

    /// Relative to the config file, as Onionbalance resolves it.
    public static func publisherKeyRelativePath(site: OnionAddress) -> String {
        "keys/\(site.description.dropLast(OnionAddress.suffix.count)).key"
    }

    public static func publisherKey(balancer: String, site: OnionAddress) -> String {
        "\(publisherConfigDirectory(balancer))/\(publisherKeyRelativePath(site: site))"
    }

    public static func publisherTorrc(balancer: String) -> String {
        "\(publisherConfigDirectory(balancer))/tor.torrc"
    }

    public static func publisherDataDirectory(balancer: String) -> String {
        "\(stateDirectory)/b/\(balancer)/tor"
    }

    /// Root-owned: holds the pid and exit records root writes, and the two
    /// folders the publisher's user owns (its tor's, Onionbalance's).
    public static func publisherRunDirectory(_ balancer: String) -> String {
        "\(runDirectory)/b/\(balancer)"
    }

    public static func publisherTorRunDirectory(balancer: String) -> String {
        "\(publisherRunDirectory(balancer))/tor"
    }

    public static func publisherControlSocket(balancer: String) -> String {
        "\(publisherTorRunDirectory(balancer: balancer))/control.sock"
    }

    public static func publisherTorPidFile(balancer: String) -> String {
        "\(publisherTorRunDirectory(balancer: balancer))/tor.pid"
    }

    /// Onionbalance creates its status socket here, so its user owns it.
    public static func publisherStatusDirectory(balancer: String) -> String {
        "\(publisherRunDirectory(balancer))/ob"
    }

    public static func publisherStatusSocket(balancer: String) -> String {
        "\(publisherStatusDirectory(balancer: balancer))/status.sock"
    }
}
