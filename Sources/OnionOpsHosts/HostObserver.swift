public import OnionOpsCore

/// What one host really runs, next to what it should.
public struct ObservedHost: Sendable {
    public struct Tor: Sendable, Hashable {
        public var project: String
        public var instance: Int
        public var pid: Int32?
        /// From the control socket; nil when tor does not answer.
        public var version: String?
        public var serviceDirectories: [String]
        /// HiddenServiceDir (host path) -> the address in its `hostname`.
        public var hostnames: [String: String]
    }

    /// An Onionbalance publisher: its tor and Onionbalance itself.
    public struct Publisher: Sendable, Hashable {
        public var balancer: String
        public var torPid: Int32?
        /// Offline this is `cannotPublish`: configured, but no consensus.
        public var state: PublisherState
        /// From its status socket, for hosts whose socket this machine can
        /// reach (local and sandbox hosts); nil when it does not answer.
        public var status: OnionbalanceStatus?
    }

    public var host: String
    /// Set when the host could not be reached: nothing else is known, which
    /// is not the same as everything missing.
    public var unreachable: HostError?
    public var files: [String: FileStatus] = [:]
    public var drift: [FileDrift] = []
    public var tor: [Tor] = []
    /// nginx master pid per project (nil: not running).
    public var nginx: [String: Int32?] = [:]
    public var publishers: [Publisher] = []

    /// Every onion address this host's tor instances publish.
    public var onions: Set<String> { Set(tor.flatMap { $0.hostnames.values }) }
}

/// Observes a host for `drift`: one `HostObservation` (one stat of every
/// managed path, one read of every pid, hostname and Onionbalance exit
/// file, one liveness check of every pid), plus one control-socket
/// conversation per running tor instance and one status-socket query per
/// running publisher on hosts whose sockets this machine can reach.
public struct HostObserver: Sendable {
    public let transport: any HostTransport
    public let host: OnionOpsCore.Host
    /// Finds pids; defaults to the pid files the direct supervisor keeps.
    public let supervisor: any DaemonSupervisor

    public init(transport: any HostTransport, host: OnionOpsCore.Host, supervisor: (any DaemonSupervisor)? = nil) {
        self.transport = transport
        self.host = host
        self.supervisor = supervisor ?? DirectSupervisor(transport: transport, host: host)
    }

    public func observe(_ desired: HostDesiredState) async -> ObservedHost {
        var observed = ObservedHost(host: host.name)
        do {
            var tors: [(instance: DaemonInstance, project: String, index: Int, services: [String])] = []
            for instance in desired.instances {
                guard case .tor(let project, let index, _) = instance else { continue }
                let data = HostLayout.torDataDirectory(project: project, instance: index) + "/"
                let services = desired.directories.map(\.path).filter {
                    $0.hasPrefix(data) && $0.dropFirst(data.count).hasPrefix("hs-")
                }
                tors.append((instance, project, index, services))
            }
            let reading = try await HostObservation.read(
                HostObservation.Request(
                    paths: desired.directories.map(\.path) + desired.files.map(\.path),
                    instances: desired.instances, contents: false,
                    // Only what the desired state names: what the host ran
                    // before is not this observer's business.
                    inventory: Generation(number: 0, commit: "", state: desired),
                    reads: tors.flatMap { $0.services.map { $0 + "/hostname" } }),
                host: host, transport: transport, supervisor: supervisor)
            observed.files = reading.files
            observed.drift = FileDrift.compare(desired, with: reading.files)
            for instance in desired.instances {
                let daemon = reading.daemons[instance] ?? HostObservation.Daemon(pid: nil)
                switch instance {
                case .nginx(let project):
                    observed.nginx[project] = daemon.pid
                case .publisher(let balancer, _):
                    let state = daemon.publisher ?? .stopped
                    var status: OnionbalanceStatus?
                    if case .running = state {
                        status = await OnionbalanceStatus.read(balancer: balancer, transport: transport)
                    }
                    observed.publishers.append(
                        ObservedHost.Publisher(
                            balancer: balancer, torPid: daemon.publisherTorPid, state: state, status: status))
                case .tor:
                    break
                }
            }
            for tor in tors {
                let pid = reading.daemons[tor.instance]?.pid
                var hostnames: [String: String] = [:]
                for service in tor.services {
                    if let name = reading.contents[service + "/hostname"] {
                        hostnames[service] =
                            String(decoding: name, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
                    }
                }
                observed.tor.append(
                    ObservedHost.Tor(
                        project: tor.project,
                        instance: tor.index,
                        pid: pid,
                        version: pid == nil ? nil : await controlVersion(project: tor.project, instance: tor.index),
                        serviceDirectories: tor.services,
                        hostnames: hostnames
                    )
                )
            }
        } catch {
            observed.unreachable = error
        }
        return observed
    }

    /// tor's version over its control socket: directly on a local host,
    /// through an SSH forward of the socket on a remote one; the cookie is
    /// read through the transport.
    private func controlVersion(project: String, instance: Int) async -> String? {
        let cookiePath = HostLayout.torDataDirectory(project: project, instance: instance) + "/control_auth_cookie"
        guard let cookie = try? await transport.read([cookiePath])[cookiePath],
            let socket = try? await transport.forwardSocket(
                HostLayout.torControlSocket(project: project, instance: instance))
        else { return nil }
        var version: String?
        if let control = try? await TorControlConnection(socketPath: socket),
            (try? await control.authenticate(cookie: cookie)) != nil,
            let reply = try? await control.send("GETINFO version")
        {
            version = reply.values["version"]?.first
        }
        await transport.releaseSocket(socket)
        return version
    }

}
