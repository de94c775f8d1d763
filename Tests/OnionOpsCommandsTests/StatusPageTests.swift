import Foundation
import OnionOpsDaemon
import OnionOpsHosts
import OnionOpsReconcile
import Testing

/// The status page's HTML from a fleet status, without a server: what it
/// says about hosts, daemons, publishers and refusals, and that nothing a
/// host or a manifest says can become markup.
@Suite("watch's status page")
struct StatusPageTests {
    static let now = Date(timeIntervalSince1970: 2_000_000_000)

    static func fleet() -> FleetStatus {
        var fleet = FleetStatus()
        fleet.revision = "0123456789ab (Add the shop)"
        fleet.read = now.addingTimeInterval(-5)
        var health = HostHealth(host: "edge-1", reachable: true)
        health.revision = "0123456789abcdef"
        health.generation = 7
        health.daemons = [
            HostHealth.Daemon(instance: "tor-news-1", pid: 4242, state: "running"),
            HostHealth.Daemon(instance: "nginx-news", pid: nil, state: "stopped"),
        ]
        health.publishers["shop-front"] = OnionbalanceStatus(services: [
            OnionbalanceStatus.Service(
                onionAddress: "front.onion", publishAttemptFirstDescriptor: "2026-12-01 10:00:00",
                publishAttemptSecondDescriptor: nil,
                instances: [
                    OnionbalanceStatus.Instance(
                        onionAddress: "backend-a.onion", descriptorReceived: "2026-12-01 09:59:00",
                        introSetModified: nil, introPointCount: 3),
                    OnionbalanceStatus.Instance(
                        onionAddress: "backend-b.onion", descriptorReceived: nil, introSetModified: nil,
                        introPointCount: nil),
                ])
        ])
        fleet.update(host: "edge-1") {
            $0.health = health
            $0.driftChanges = 1
            $0.lastReconcile = FleetStatus.Reconcile(
                at: now.addingTimeInterval(-90), revision: "0123456789ab", status: "rolled-back",
                failure: "nginx -t: <b>unknown</b> directive")
        }
        fleet.update(host: "edge-2") { _ in }
        fleet.projects = [
            FleetStatus.Project(
                name: "shop", mode: "softmap", hosts: ["edge-1", "edge-2"], onions: ["front.onion"],
                balancers: ["shop-front": ["edge-2"]])
        ]
        fleet.refuse("fedcba987654", reason: "projects.yaml:3:1: error: <script>alert(1)</script>", at: now)
        return fleet
    }

    @Test("hosts with health, revision, generation, drift and last result; daemons; publishers; refusals")
    func content() {
        let page = StatusPage.render(Self.fleet(), graph: true, now: Self.now)
        for text in [
            "edge-1", "edge-2", "degraded", "not read yet", "0123456789ab", ">7<", "tor-news-1", "4242",
            "nginx-news", ">down<", "Publisher shop-front on edge-1: front.onion", "Backends seen: 1 of 2",
            "backend-b.onion", "shop-front on edge-2", "fedcba987654", "rolled-back", "(90 s ago)",
            "1 change(s) at the last check", "http-equiv=\"refresh\"", "src=\"/status/graph.svg\"",
        ] {
            #expect(page.contains(text), "\(text) is missing")
        }
    }

    @Test("text from hosts and manifests is escaped: no markup, no script")
    func escaped() {
        let page = StatusPage.render(Self.fleet(), graph: false, now: Self.now)
        #expect(!page.contains("<script"), "\(page)")
        #expect(!page.contains("<b>"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("Graphviz's dot is not installed"))
        #expect(!page.contains("<img"))
    }
}
