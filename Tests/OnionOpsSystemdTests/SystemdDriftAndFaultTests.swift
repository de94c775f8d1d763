import Foundation
import OnionOpsTestSupport
import Testing

/// What goes wrong on a real systemd host after the first apply: a unit
/// stopped by hand, a package removed under a running daemon.
@Suite(.serialized, .enabled(if: SystemdWorld.isEnabled, SystemdWorld.disabledReason))
struct SystemdDriftAndFaultTests {
    @Test("a hand-stopped unit is drift, and watch --self-heal starts it again")
    func handStoppedUnit() async throws {
        try await Self.withAppliedEdge("df-edge-1", index: 31) { edge, sandbox, only in

            _ = try await edge.ssh("systemctl stop onionops-tor-news-1")
            let drift = try await sandbox.onionops(
                ["drift", sandbox.manifests, "--identity", sandbox.identity] + only)
            SystemdWorld.report("drift after a hand stop: exit \(drift.exitCode)\n\(drift.stdout)")
            #expect(drift.exitCode == 2, "\(drift.stdout)\n\(drift.stderr)")
            #expect(drift.stdout.contains("start tor-news-1"), "\(drift.stdout)")

            // watch reconciles at start (which would start the unit by
            // itself): stop the unit again once that first pass is done, so
            // only a drift check can bring it back.
            let watch = try BackgroundProcess(
                OnionOpsBinary.url.path,
                [
                    "watch", sandbox.manifests, "--identity", sandbox.identity, "--interval", "3600",
                    "--drift-interval", "2", "--self-heal",
                ] + only,
                log: sandbox.folder.path + "/watch.log")
            defer { watch.stop() }
            let firstPass = Date()
            while !watch.log.contains("drift") && Date().timeIntervalSince(firstPass) < 60 {
                try await Task.sleep(for: .milliseconds(500))
            }
            _ = try await edge.ssh("systemctl stop onionops-tor-news-1")
            let started = Date()
            var active = false
            while !active && Date().timeIntervalSince(started) < 90 {
                try await Task.sleep(for: .seconds(1))
                active = try await edge.ssh("systemctl is-active onionops-tor-news-1").stdout == "active\n"
            }
            SystemdWorld.report(
                "watch --self-heal: tor-news-1 active: \(active), \(Int(Date().timeIntervalSince(started))) s after a hand stop"
            )
            #expect(active, "watch did not start the unit again:\n\(watch.log)")
            watch.stop()
            let after = try await sandbox.onionops(["drift", sandbox.manifests, "--identity", sandbox.identity] + only)
            #expect(after.exitCode == 0, "\(after.stdout)\n\(after.stderr)")
        }
    }

    @Test("nginx -t failing on the host (a module removed) rolls the host back; the old nginx keeps serving")
    func nginxTestFails() async throws {
        try await Self.withAppliedEdge("df-edge-2", index: 32) { edge, sandbox, only in
            let pid = "systemctl show -p MainPID --value onionops-nginx-news"
            let before = try await edge.ssh(pid).stdout
            let config = try await edge.ssh("sha256sum /etc/onionops/projects/news/nginx.conf").stdout

            let module = "/usr/lib/nginx/modules/ngx_http_subs_filter_module.so"
            _ = try await edge.ssh("mv \(module) /root/")
            let projects = sandbox.manifests + "/projects.yaml"
            let text = try String(contentsOfFile: projects, encoding: .utf8)
            try text.replacing("value: onionops-demo}", with: "value: onionops-demo-2}")
                .write(toFile: projects, atomically: true, encoding: .utf8)
            let failed = try await sandbox.reconcile(only)
            SystemdWorld.report("nginx -t failing: exit \(failed.exitCode)\n\(failed.stdout)")
            #expect(failed.exitCode == 3, "\(failed.stdout)\n\(failed.stderr)")
            #expect(failed.stdout.contains("nginx -t"), "\(failed.stdout)")
            #expect(try await edge.ssh(pid).stdout == before, "nginx-news was restarted")
            #expect(try await edge.ssh("sha256sum /etc/onionops/projects/news/nginx.conf").stdout == config)
            #expect(try await edge.ssh("systemctl is-active onionops-nginx-news").stdout == "active\n")

            _ = try await edge.ssh("mv /root/ngx_http_subs_filter_module.so \(module)")
            let fixed = try await sandbox.reconcile(only)
            #expect(fixed.exitCode == 0, "\(fixed.stdout)\n\(fixed.stderr)")
        }
    }

    /// One container as manifests/' edge-1 (edge-2 names it too but is
    /// never reconciled: `--hosts edge-1`), applied once before `body`.
    static func withAppliedEdge(
        _ name: String, index: Int, _ body: (SystemdTestHost, SystemdSandbox, [String]) async throws -> Void
    ) async throws {
        try await SystemdTestHost.with([(name, index)]) { hosts in
            let edge = hosts[0]
            let sandbox = try SystemdSandbox(
                source: RepositoryPaths.manifests, hosts: [("edge-1", edge), ("edge-2", edge)])
            defer { sandbox.remove() }
            let only = ["--hosts", "edge-1"]
            let applied = try await sandbox.reconcile(only)
            try #require(applied.exitCode == 0, "\(applied.stdout)\n\(applied.stderr)")
            try await body(edge, sandbox, only)
        }
    }
}
