import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

/// The rendered /etc/logrotate.d/onionops, run by the real logrotate
/// against the demo's running daemons: every log is rotated, tor's inside
/// tor's own folder as tor's user, and the daemons go on writing.
@Suite(
    "log rotation with the host's logrotate",
    .enabled(if: Command.isRoot, "daemons drop to their users"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/logrotate"), "logrotate is installed")
)
struct LogRotationTests {
    static func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }

    static func owner(_ path: String) -> String? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.ownerAccountName] as? String
    }

    @Test("logrotate rotates tor's and nginx's logs by copy and truncate; the daemons keep writing")
    func rotates() async throws {
        let sandbox = try await ReconcileSandbox(prefix: "oo-lr")
        defer { sandbox.stopAll() }
        var topology = sandbox.topology
        for index in topology.projects.indices { topology.projects[index].nginx.logs.access = true }
        let reports = try await sandbox.apply(topology)
        #expect(reports.allSatisfy { $0.status == .applied }, "\(reports.map { $0.failure ?? "" })")

        let config = sandbox.path("edge-1", HostLayout.logrotateConfig)
        let state = sandbox.folder.path + "/logrotate.state"
        let check = try Command.run("/usr/sbin/logrotate", ["-d", "-s", state, config])
        #expect(check.succeeded && !check.output.contains("error:"), "\(check.output)")

        let access = sandbox.path("edge-1", HostLayout.nginxLogDirectory(project: "news") + "/access.log")
        let tor = sandbox.path("edge-1", HostLayout.torDataDirectory(project: "news", instance: 1) + "/notices.log")
        #expect(sandbox.request("edge-1", project: "news", site: ReconcileTests.news) != nil)
        #expect((Self.size(access) ?? 0) > 0)
        #expect((Self.size(tor) ?? 0) > 0)

        let run = try Command.run("/usr/sbin/logrotate", ["-f", "-s", state, config])
        #expect(run.succeeded, "\(run.output)")
        #expect(Self.size(access + ".1") ?? 0 > 0, "the access log was not rotated")
        #expect(Self.size(access) == 0)
        #expect(Self.size(tor + ".1") ?? 0 > 0, "tor's log was not rotated")
        #expect(Self.size(tor) == 0)
        // Rotated as tor's user, in tor's folder.
        #expect(Self.owner(tor + ".1") == "debian-tor")

        // Same file, same daemon: nginx appends at the truncated start.
        #expect(sandbox.request("edge-1", project: "news", site: ReconcileTests.news) != nil)
        #expect((Self.size(access) ?? 0) > 0, "nginx stopped writing after the rotation")
    }
}
