import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsManifest
import OnionOpsTestSupport

/// The steps of the Tor demo, each printed as it happens.
struct TorDemo {
    let root: String
    let binary: String
    let identity: String
    let manifests: String
    let requests: Int

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func run() async throws {
        let begin = Date()
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: manifests))
        guard loaded.isValid else {
            throw Failure(description: "\(manifests) does not validate: run onionops validate \(manifests)")
        }
        let topology = loaded.topology
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for host in topology.hosts {
            try FileManager.default.createDirectory(atPath: host.connection.root, withIntermediateDirectories: true)
        }

        step("starting a private Tor network: 3 directory authorities, 3 relays and a client, on 127.0.0.1")
        // The network's tors end when this process does (their owning
        // controller); a sleeper outlives the demo and holds them instead.
        let keeper = try BackgroundProcess("/bin/sleep", ["infinity"], log: "/dev/null")
        try "\(keeper.pid)\n".write(toFile: root + "/demo-keeper.pid", atomically: true, encoding: .utf8)
        let network = try await TestNetwork.start(owner: keeper.pid)
        try "\(network.folder.path)\n".write(toFile: root + "/demo-network.path", atomically: true, encoding: .utf8)
        say(
            "consensus after \(seconds(network.consensusSeconds)), client bootstrapped after "
                + "\(seconds(network.bootstrapSeconds)); its SOCKS port is 127.0.0.1:\(network.clientNode.socksPort ?? 0)"
        )
        // Its start waits for nginx to answer: on the blocking pool.
        let upstreamFolder = root + "/upstream"
        let upstream = try await BlockingPool.shared.run { try TestUpstream(folder: upstreamFolder, port: 8443) }
        say("the upstream web site (every site's upstreamAddress): https://\(upstream.address)")

        let joined = root + "/manifests-tor"
        try await BlockingPool.shared.run { [self] in try join(topology: topology, network: network, into: joined) }
        say("\(joined): manifests/ with each host's tor joined to the network (testing.torOptions)")

        try await onionops(["reconcile", joined, "--identity", identity])

        let client = network.client
        var failed: [String] = []
        for project in topology.projects where project.mode == .hardmap {
            for site in project.sites {
                for host in [site.onion] + site.subdomains.prefix(1).map({ "\($0).\(site.onion)" }) {
                    let response = await client.fetch("https://\(host)/", within: 90) { answered($0, host: host) }
                    if !report("hardmap \(project.name)", host: host, response: response, note: "") {
                        failed.append(host)
                    }
                }
            }
        }

        for project in topology.projects where project.mode == .softmap {
            let backends = backends(of: project, in: topology)
            let logs = topology.balancers.filter { $0.project == project.name }.flatMap { balancer in
                balancer.hosts.compactMap { host in
                    topology.host(named: host).map {
                        PublisherLog(
                            path: HostLayout(root: $0.connection.root).resolve(
                                HostLayout.onionbalanceLog(balancer: balancer.name)))
                    }
                }
            }
            for site in project.sites {
                step(
                    "softmap \(project.name): \(site.onion), published by Onionbalance from \(backends.count) backends")
                // A descriptor from fewer backends (the first upload, before
                // every backend published) would narrow the spread shown.
                let waited = Date()
                while Date().timeIntervalSince(waited) < 120,
                    !logs.allSatisfy({ $0.published([site.onion], instances: backends.count) })
                {
                    try? await Task.sleep(for: .seconds(1))
                }
                say(
                    "a descriptor from all \(backends.count) backends uploaded after "
                        + seconds(Date().timeIntervalSince(waited)))
                let first = await client.fetch("https://\(site.onion)/", within: 150) { answered($0, host: site.onion) }
                guard report("softmap \(project.name)", host: site.onion, response: first, note: " (first fetch)")
                else {
                    failed.append(site.onion)
                    continue
                }
                try? client.newIdentity()
                for index in 1...requests {
                    // curl and the backends' control sockets, off the cooperative pool.
                    let url = "https://\(site.onion)/"
                    let (response, by) = await BlockingPool.shared.run {
                        let before = SoftmapBackend.snapshot(backends)
                        let response = client.fetch(url, timeout: 60)
                        return (
                            response, SoftmapBackend.answered(before: before, after: SoftmapBackend.snapshot(backends))
                        )
                    }
                    report(
                        "request \(index)", host: site.onion, response: response,
                        note: ", answered by backend " + (by.isEmpty ? "(not seen)" : by.joined(separator: ", ")))
                }
            }
        }

        for balancer in topology.balancers {
            for host in balancer.hosts {
                guard let root = topology.host(named: host)?.connection.root else { continue }
                let log = PublisherLog(
                    path: HostLayout(root: root).resolve(HostLayout.onionbalanceLog(balancer: balancer.name)))
                for (frontend, instances) in log.instancesPerFrontend().sorted(by: { $0.key < $1.key }) {
                    say(
                        "Onionbalance \(balancer.name) on \(host): last uploaded \(frontend).onion's descriptor, built from \(instances) backends"
                    )
                }
            }
        }

        try await onionops(["status", joined])
        guard failed.isEmpty else {
            throw Failure(description: "no answer through Tor from \(failed.joined(separator: ", "))")
        }
        step(
            "demo done in \(seconds(Date().timeIntervalSince(begin))) after the build. Everything keeps running: "
                + "the network's SOCKS port 127.0.0.1:\(network.clientNode.socksPort ?? 0) reaches the onions "
                + "(curl -k --socks5-hostname ...); make demo-stop stops it all")
    }

    /// The upstream's page for `host`, with the onion name where the
    /// upstream wrote its own.
    func answered(_ response: OnionClient.Response, host: String) -> Bool {
        response.succeeded && response.body.contains(TestUpstream.marker(for: host))
            && response.body.contains("href=\"https://\(host)/next\"")
    }

    @discardableResult
    func report(_ label: String, host: String, response: OnionClient.Response, note: String) -> Bool {
        let outcome =
            answered(response, host: host)
            ? "200, the page names \(host) (rewritten from the upstream's own name)"
            : "status \(response.status) \(response.error ?? "")"
        say("\(label): GET https://\(host)/ -> \(outcome) in \(seconds(response.seconds))\(note)")
        return answered(response, host: host)
    }

    /// manifests/ copied, with hosts.yaml written anew: the same hosts, each
    /// joined to the network, its publishers using the testnet Onionbalance.
    func join(topology: Topology, network: TestNetwork, into folder: String) throws {
        let manager = FileManager.default
        try? manager.removeItem(atPath: folder)
        try manager.copyItem(atPath: manifests, toPath: folder)
        for name in try manager.contentsOfDirectory(atPath: folder) where name.hasSuffix(".yaml") {
            let path = folder + "/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8)
            if text.contains("kind: Host") {
                try manager.removeItem(atPath: path)
            } else if text.contains("kind: Project") {
                // The local upstream's certificate is self-signed for
                // upstream.test: nginx cannot verify it as example.org.
                let unverified = text.replacingOccurrences(
                    of: "\n  nginx:\n",
                    with: "\n  nginx:\n    upstream: {verifyTLS: false}   # the demo's local upstream\n")
                try unverified.write(toFile: path, atomically: true, encoding: .utf8)
            }
        }
        var lines = ["# manifests/ hosts, joined to the demo's private Tor network."]
        for host in topology.hosts {
            lines += [
                "---", "apiVersion: onionops/v1", "kind: Host", "metadata: {name: \(host.name)}", "spec:",
                "  local: {root: '\(host.connection.root)'}", "  supervision: direct", "  testHost: true",
                "  onionbalance: {binary: '\(network.onionbalanceLauncher)'}", "  testing:", "    torOptions:",
            ]
            lines += network.serviceTorOptions.map { "      - '\($0.replacingOccurrences(of: "'", with: "''"))'" }
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: folder + "/hosts.yaml", atomically: true, encoding: .utf8)
    }

    func backends(of project: Project, in topology: Topology) -> [SoftmapBackend] {
        project.placement.hosts.flatMap { hostName -> [SoftmapBackend] in
            guard let host = topology.host(named: hostName) else { return [] }
            let layout = HostLayout(root: host.connection.root)
            return (1...max(project.placement.torInstances, 1)).map { instance in
                SoftmapBackend(
                    name: "\(project.name)-\(hostName)-\(instance)", host: hostName,
                    controlSocket: layout.resolve(
                        HostLayout.torControlSocket(project: project.name, instance: instance)),
                    cookieFile: layout.resolve(HostLayout.torDataDirectory(project: project.name, instance: instance))
                        + "/control_auth_cookie")
            }
        }
    }

    /// The real CLI, its output shown as it is.
    func onionops(_ arguments: [String]) async throws {
        step("onionops " + arguments.joined(separator: " "))
        let result = try await Spawn.capture(binary, arguments, environment: .inherited, mergeErrors: true)
        print(String(decoding: result.stdout, as: UTF8.self), terminator: "")
        say("(exit \(result.status))")
    }

    func step(_ text: String) { print("\n==> \(text)") }
    func say(_ text: String) { print(text) }
    func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }
}
