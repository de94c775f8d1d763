import OnionOpsCore
import OnionOpsHosts
import OnionOpsReconcile
import OnionOpsTestSupport
import Testing

/// One observation behind the no-op check and `status`, over in-memory
/// hosts.
@Suite("observing in-memory hosts")
struct ObservationTests {
    @Test("after an apply the no-op check says unchanged and status healthy; a dead daemon changes both")
    func noOpAndStatus() async throws {
        let fleet = FakeFleet()
        _ = await fleet.apply(FakeFleet.desired())
        let check = NoOpCheck(inputs: "inputs-one", commit: "one", connector: fleet.connector)
        #expect(await check.check(fleet.hosts) == Array(repeating: .unchanged(generation: 1, commit: "one"), count: 3))
        let health = await HostHealth.read(host: fleet.hosts[0], connector: fleet.connector)
        #expect(health.isHealthy, "\(health)")

        let b1 = fleet["b1"]
        let pid = try #require(b1.text(HostLayout.nginxPidFile(project: "shop")).flatMap { Int32($0.dropLast()) })
        b1.kill(pid)
        #expect(await check.check([fleet.hosts[0]]) == [.changed("nginx-shop is not running")])
        #expect(!(await HostHealth.read(host: fleet.hosts[0], connector: fleet.connector)).isHealthy)
    }

    @Test("an expired placed certificate makes a healthy host degraded; one expiring soon only warns")
    func expiredCertificate() async throws {
        let fleet = FakeFleet()
        _ = await fleet.apply(FakeFleet.desired())
        var health = await HostHealth.read(host: fleet.hosts[0], connector: fleet.connector)
        #expect(health.isHealthy, "\(health)")
        health.certificates = ["TLS certificate of x.onion expires on 2030-01-01T00:00:00Z"]
        #expect(health.isHealthy)
        health.certificateExpired = true
        #expect(!health.isHealthy)
    }

    @Test("a publisher that cannot publish for want of a consensus counts as running, with a note")
    func cannotPublish() async throws {
        let fleet = FakeFleet()
        _ = await fleet.apply(FakeFleet.desired())
        let pub = fleet["pub"]
        let pidFile = HostLayout.onionbalancePidFile(balancer: "front")
        let pid = try #require(pub.text(pidFile).flatMap { Int32($0.dropLast()) })
        pub.kill(pid)
        pub.write(
            HostLayout.onionbalanceExitFile(balancer: "front"),
            "exit 1 pid \(pid)\n[WARNING]: Could not open cached consensus\n")
        let check = NoOpCheck(inputs: "inputs-one", commit: "one", connector: fleet.connector)
        #expect(await check.check([fleet.hosts[2]]) == [.unchanged(generation: 1, commit: "one")])
        let health = await HostHealth.read(host: fleet.hosts[2], connector: fleet.connector)
        #expect(health.isHealthy)
        #expect(health.notes.contains { $0.contains("cannot publish") })
        // Any other exit is a failure.
        pub.write(HostLayout.onionbalanceExitFile(balancer: "front"), "exit 1 pid \(pid)\nbad config\n")
        #expect(await check.check([fleet.hosts[2]]) == [.changed("ob-front is not running")])
    }

    @Test("drift of a recorded file is seen; status names it")
    func drift() async {
        let fleet = FakeFleet()
        _ = await fleet.apply(FakeFleet.desired())
        fleet["b2"].write(HostLayout.nginxConfig(project: "shop"), "# edited\n")
        let health = await HostHealth.read(host: fleet.hosts[1], connector: fleet.connector)
        #expect(health.drift.count == 1)
        #expect(health.drift.first?.contains(HostLayout.nginxConfig(project: "shop")) == true)
    }

    @Test("observing costs a fixed number of transport calls, however many daemons")
    func boundedCalls() async throws {
        let fleet = FakeFleet()
        _ = await fleet.apply(FakeFleet.desired())
        let b1 = fleet["b1"]
        b1.resetCalls()
        _ = try await HostObservation.read(
            HostObservation.Request(), host: fleet.hosts[0], transport: b1.transport, supervisor: b1.supervisor)
        // index/current/pending, MANIFEST, then one look: stored files,
        // pid files and their processes, every status.
        #expect(b1.calls == ["read", "read", "look"], "\(b1.calls)")
    }
}
