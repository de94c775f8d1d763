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

/// Observes a host in a bounded number of transport calls: one stat of
/// every managed path, one read of every pid, hostname and Onionbalance
/// exit file, one liveness check per pid, plus one control-socket
/// conversation per tor instance and one status-socket query per running
/// publisher on local hosts.
public struct HostObserver: Sendable {
    public let transport: any HostTransport
    public let host: OnionOpsCore.Host

    public init(transport: any HostTransport, host: OnionOpsCore.Host) {
        self.transport = transport
        self.host = host
    }

    public func observe(_ desired: HostDesiredState) async -> ObservedHost {
        var observed = ObservedHost(host: host.name)
        do {
            observed.files = try await transport.stat(desired.directories.map(\.path) + desired.files.map(\.path))
            observed.drift = FileDrift.compare(desired, with: observed.files)

            var tors: [(String, Int, [String])] = []
            var projects: [String] = []
            var balancers: [String] = []
            for instance in desired.instances {
                switch instance {
                case .tor(let project, let index, _):
                    let data = HostLayout.torDataDirectory(project: project, instance: index) + "/"
                    let services = desired.directories.map(\.path).filter {
                        $0.hasPrefix(data) && $0.dropFirst(data.count).hasPrefix("hs-")
                    }
                    tors.append((project, index, services))
                case .nginx(let project):
                    projects.append(project)
                case .publisher(let balancer, _):
                    balancers.append(balancer)
                }
            }
            let pidFiles =
                tors.map { HostLayout.torPidFile(project: $0.0, instance: $0.1) }
                + projects.map { HostLayout.nginxPidFile(project: $0) }
                + balancers.flatMap {
                    [
                        HostLayout.publisherTorPidFile(balancer: $0), HostLayout.onionbalancePidFile(balancer: $0),
                        HostLayout.onionbalanceExitFile(balancer: $0),
                    ]
                }
            let hostnameFiles = tors.flatMap { $0.2.map { $0 + "/hostname" } }
            let contents = try await transport.read(pidFiles + hostnameFiles)
            func text(_ path: String) -> String? {
                contents[path].map {
                    String(decoding: $0, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
                }
            }
            for balancer in balancers {
                let pidText = text(HostLayout.onionbalancePidFile(balancer: balancer))
                let state = PublisherState.judge(
                    pidText: pidText,
                    alive: try await livePid(pidText) != nil,
                    exitRecord: contents[HostLayout.onionbalanceExitFile(balancer: balancer)].map {
                        String(decoding: $0, as: UTF8.self)
                    }
                )
                var status: OnionbalanceStatus?
                if case .running = state { status = await statusSocket(balancer: balancer) }
                observed.publishers.append(
                    ObservedHost.Publisher(
                        balancer: balancer,
                        torPid: try await livePid(text(HostLayout.publisherTorPidFile(balancer: balancer))),
                        state: state,
                        status: status
                    )
                )
            }
            for project in projects {
                observed.nginx[project] = try await livePid(text(HostLayout.nginxPidFile(project: project)))
            }
            for (project, index, services) in tors {
                let pid = try await livePid(text(HostLayout.torPidFile(project: project, instance: index)))
                var hostnames: [String: String] = [:]
                for service in services {
                    if let name = text(service + "/hostname") { hostnames[service] = name }
                }
                observed.tor.append(
                    ObservedHost.Tor(
                        project: project,
                        instance: index,
                        pid: pid,
                        version: pid == nil ? nil : await controlVersion(project: project, instance: index),
                        serviceDirectories: services,
                        hostnames: hostnames
                    )
                )
            }
        } catch {
            observed.unreachable = error
        }
        return observed
    }

    private func livePid(_ text: String?) async throws(HostError) -> Int32? {
        guard let text, let pid = Int32(text) else { return nil }
        return try await transport.isAlive(pid) ? pid : nil
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

    /// The publisher's status socket, reached like tor's control socket.
    private func statusSocket(balancer: String) async -> OnionbalanceStatus? {
        guard let socket = try? await transport.forwardSocket(HostLayout.publisherStatusSocket(balancer: balancer))
        else { return nil }
        let status = try? await OnionbalanceStatus.query(socketPath: socket)
        await transport.releaseSocket(socket)
        return status
    }
}
