import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

/// The private Tor network's end-to-end run on systemd containers: softmap-4
/// (a publisher host and two backend hosts) reconciled as deploy with sudo,
/// its tors joining a test network that listens on the machine address the
/// containers reach, and a real Tor client on this machine fetching the
/// frontend through Onionbalance. Requests are attributed to a backend host
/// by its nginx access log.
@Suite(.serialized, .enabled(if: SystemdWorld.isEnabled, SystemdWorld.disabledReason))
struct SystemdTorNetworkTests {
    static let launcher = "/usr/local/sbin/onionbalance-testnet"
    static let requests = 12

    @Test("softmap-4 on systemd containers: a Tor client reaches the frontend, requests land on both backend hosts")
    func softmapOverTor() async throws {
        try await SystemdTestHost.exposeMachineAddress()
        let begin = Date()
        let network: TestNetwork
        do {
            network = try await TestNetwork.start(address: SystemdTestHost.machineAddress)
        } catch {
            await SystemdTestHost.removeMachineAddress()
            throw error
        }
        SystemdWorld.report(
            String(
                format: "Tor network on %@: consensus after %.1f s, client bootstrapped after %.1f s",
                SystemdTestHost.machineAddress, network.consensusSeconds, network.bootstrapSeconds))
        do {
            let upstream = try TestUpstream(
                folder: network.folder.path + "/upstream", address: SystemdTestHost.machineAddress)
            defer { upstream.stop() }
            try await SystemdTestHost.with(
                [("tn-pub", 51), ("tn-edge-1", 52), ("tn-edge-2", 53)], sudoers: SudoReconcileTests.sudoers
            ) { hosts in
                try await Self.run(hosts: hosts, network: network, upstream: upstream, begin: begin)
            }
        } catch {
            network.stop()
            await SystemdTestHost.removeMachineAddress()
            throw error
        }
        network.stop()
        await SystemdTestHost.removeMachineAddress()
    }

    static func run(hosts: [SystemdTestHost], network: TestNetwork, upstream: TestUpstream, begin: Date) async throws {
        // The testnet launcher, root's and not writable by others, as the
        // binary check wants a publisher binary.
        let script = Data(OnionbalanceTestnetLauncher.script().utf8).base64EncodedString()
        for host in hosts {
            let installed = try await host.ssh(
                "echo \(script) | base64 -d > \(launcher) && chmod 0755 \(launcher)")
            try #require(installed.exitCode == 0, "\(host.name): \(installed.stderr)")
        }
        let sandbox = try SystemdSandbox(
            source: RepositoryPaths.examples.appendingPathComponent("softmap-4"),
            hosts: [("pub-1", hosts[0]), ("edge-1", hosts[1]), ("edge-2", hosts[2])], user: "deploy",
            torOptions: network.serviceTorOptions, onionbalance: launcher)
        defer { sandbox.remove() }
        // The shared upstream, on the machine address, for every site; its
        // self-signed certificate is not example.com's; access logs on, to
        // tell which backend host answered.
        let projects = sandbox.manifests + "/projects.yaml"
        var text = try String(contentsOfFile: projects, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "upstreamAddress: 127.0.0.1:8443", with: "upstreamAddress: \(upstream.address)")
        text = text.replacingOccurrences(
            of: "\n  nginx:\n", with: "\n  nginx:\n    logs: {access: true}\n    upstream: {verifyTLS: false}\n")
        try text.write(toFile: projects, atomically: true, encoding: .utf8)

        let applied = try await sandbox.reconcile()
        #expect(applied.exitCode == 0, "\(applied.stdout)\n\(applied.stderr)")
        try #require(applied.exitCode == 0)
        let appliedAt = Date()

        let frontend = "z6bl2nt433yktwykrjwmipvnovfwmddhw55mrtqvnq3o2nwqc3hexyad.onion"
        let logPath = HostLayout.onionbalanceLog(balancer: "shop-front")
        let local = sandbox.folder.path + "/onionbalance.log"
        // A descriptor built from all four backends (two tors on each edge):
        // one built from fewer would be cached by the client.
        var published = false
        let deadline = Date().addingTimeInterval(240)
        while Date() < deadline, !published {
            let log = try await hosts[0].ssh("cat \(logPath)")
            try log.stdout.write(toFile: local, atomically: true, encoding: .utf8)
            published = PublisherLog(path: local).published([frontend], instances: 4)
            if !published { try await Task.sleep(for: .seconds(2)) }
        }
        let publisherTail = PublisherLog(path: local).tail()
        try #require(published, "no descriptor from 4 backends within 240 s:\n\(publisherTail)")
        let publishedAfter = Date().timeIntervalSince(appliedAt)

        let client = network.client
        let first = await client.fetch("https://\(frontend)/", within: 120) {
            $0.succeeded && $0.body.contains(TestUpstream.marker(for: frontend))
        }
        try #require(
            first.succeeded && first.body.contains(TestUpstream.marker(for: frontend)),
            "the frontend did not answer: \(first.status) \(first.error ?? "") \(first.body.prefix(300))")
        let firstAfter = Date().timeIntervalSince(appliedAt)

        let logs = HostLayout.nginxLogDirectory(project: "shop") + "/access.log"
        var answered = 0
        for _ in 0..<requests {
            // Each on a fresh circuit (its own SOCKS credentials); curl is
            // waited for on the blocking pool.
            let response = await BlockingPool.shared.run { client.fetch("https://\(frontend)/", timeout: 60) }
            if response.succeeded { answered += 1 }
        }
        var perHost: [String: Int] = [:]
        for host in hosts[1...] {
            let count = try await host.ssh("grep -c '\"\(frontend)\"' \(logs) || true")
            perHost[host.name] = Int(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        SystemdWorld.report(
            String(
                format: "softmap-4 over Tor on systemd: applied %.1f s after the network started; descriptor from "
                    + "4 backends %.1f s after the apply; first answer through the frontend after %.1f s; %d/%d "
                    + "answered; requests per backend host (nginx access logs): %@",
                appliedAt.timeIntervalSince(begin), publishedAfter, firstAfter, answered, requests,
                perHost.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        #expect(answered == requests, "\(answered)/\(requests) answered")
        #expect(perHost.values.allSatisfy { $0 > 0 }, "a backend host answered nothing: \(perHost)")
    }
}
