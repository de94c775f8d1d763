/// How OnionOps reaches a host.
public enum HostConnection: Sendable, Hashable {
    /// Files under `root` on this machine. `/` is the machine itself (pull
    /// mode); any other folder is a sandbox host.
    case local(root: String)
    case ssh(SSHConnection)

    /// The prefix every managed path gets on the host.
    public var root: String {
        switch self {
        case .local(let root): root
        case .ssh(let ssh): ssh.root
        }
    }

    public var transportName: String {
        switch self {
        case .local: "local"
        case .ssh: "ssh"
        }
    }
}

public struct SSHConnection: Sendable, Hashable {
    public var address: String
    public var port: Int
    public var user: String
    public var identityFile: String?
    public var knownHostsFile: String?
    /// A remote prefix for every managed path; `/` on a real server.
    public var root: String
    /// Set when `user` is not root: how every remote command becomes root.
    public var become: Become?

    public init(
        address: String,
        port: Int = 22,
        user: String = "root",
        identityFile: String? = nil,
        knownHostsFile: String? = nil,
        root: String = "/",
        become: Become? = nil
    ) {
        self.address = address
        self.port = port
        self.user = user
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
        self.root = root
        self.become = become
    }
}
