/// What a host must have before OnionOps can run its daemons there: Debian
/// packages (some with a minimum version, and why), the daemon users, and
/// Debian's own services that would fight OnionOps for ports and sockets.
/// Pure: from the topology alone.
public struct HostRequirements: Sendable, Hashable {
    public struct Package: Sendable, Hashable {
        public var name: String
        /// The oldest version that works, in Debian's version order.
        public var minimumVersion: String?
        /// Why the host needs it (shown in the plan and in errors).
        public var reason: String
    }

    public var packages: [Package]
    public var users: [String]
    /// Debian's units the packages ship, started at install: tor@default
    /// would join the Tor network, nginx would take port 80.
    public var conflictingServices: [String]

    public init(host: Host, topology: Topology) {
        let instances = topology.instances(on: host.name)
        let publishes = instances.contains {
            if case .publisher = $0 { true } else { false }
        }
        let projects = Set(
            instances.compactMap { instance -> String? in
                if case .tor(let project, _, _) = instance { project } else { nil }
            })
        let proofOfWork = topology.projects.contains { projects.contains($0.name) && $0.tor.proofOfWork.enabled }
        var packages: [Package] = [
            Package(
                name: "tor", minimumVersion: proofOfWork ? "0.4.8" : nil,
                reason: proofOfWork ? "onion services; 0.4.8 or later for proof-of-work defenses" : "onion services"),
            Package(name: "nginx", minimumVersion: nil, reason: "the proxy to the upstream sites"),
            Package(
                name: "libnginx-mod-http-subs-filter", minimumVersion: nil,
                reason: "nginx: rewriting every name in response bodies"),
            Package(
                name: "libnginx-mod-http-lua", minimumVersion: nil,
                reason: "nginx: Lua for what nothing else can rewrite; pulls in ndk"),
            Package(name: "procps", minimumVersion: nil, reason: "pgrep: nginx's workers after a reload"),
            Package(name: "age", minimumVersion: nil, reason: "sealed keys on hosts that decrypt their own"),
        ]
        var users = [host.tor.user, host.nginx.user]
        var services = ["tor.service", "tor@default.service", "nginx.service"]
        if publishes {
            packages.append(Package(name: "onionbalance", minimumVersion: nil, reason: "the Onionbalance publisher"))
            users.append(host.onionbalance.user)
            services.append("onionbalance.service")
        }
        self.packages = packages
        self.users = users
        self.conflictingServices = services
    }
}
