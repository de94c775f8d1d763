import Foundation
import OnionOpsCore
import OnionOpsEngine
import OnionOpsHosts
import OnionOpsKeys
import OnionOpsManifest
import OnionOpsTestSupport
import Testing

/// What `drift` and `status` say about certificates near or past expiry:
/// drift from the deployment's sealed certificates, status from the ones
/// placed on the host.
@Suite("certificate expiry in drift and status")
struct CertificateExpiryTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var days: Double
        var severity: CertificateExpiry.Severity?
        var testDescription: String { "\(days) days from expiry: \(severity?.rawValue ?? "nothing")" }
    }

    static let cases = [
        Case(days: -40, severity: nil), Case(days: -10, severity: .warning), Case(days: 1, severity: .error),
    ]

    /// hardmap-1's umbrella certificate (project news) and shop's own, as
    /// `drift` reads them: from the deployment, without touching a host.
    @Test("drift: the deployment's certificates", arguments: cases)
    func drift(_ testCase: Case) async throws {
        let folder = try RepositoryPaths.exampleFolders().first { $0.lastPathComponent == "hardmap-1" }
        let snapshot = await RevisionSnapshot.read(folder: try #require(folder).path)
        let engine = Engine(identity: .init(path: RepositoryPaths.demoIdentity.path, source: .flag))
        let deployment = try await engine.deployment(snapshot, hosts: .all)
        let umbrella = try #require(deployment.keyring.material?.projectTLS["news"])
        let facts = try TLSCertificateFacts(chainPEM: String(decoding: umbrella.certificate, as: UTF8.self))
        let now = facts.notValidAfter.addingTimeInterval(testCase.days * 86_400)

        let found = CertificateCheck.expiries(deployment, now: now).filter { $0.subject == "project news" }
        #expect(found.map(\.severity) == (testCase.severity.map { [$0] } ?? []))
        if let expiry = found.first {
            let date = ISO8601DateFormatter().string(from: facts.notValidAfter)
            #expect(expiry.description.contains("TLS certificate of project news exp"))
            #expect(expiry.description.contains(date), "\(expiry.description)")
        }
        // The per-onion certificate of shop is reported by its onion.
        let shop = "7w5z4hi4ssfp676mebgqyg6v2z4qs5dbnssyjdgelasha5xv3gx6jbyd.onion"
        let far = CertificateCheck.expiries(deployment, now: Date.distantFuture)
        #expect(far.contains { $0.subject == shop && $0.severity == .error })
        #expect(far.count == 2, "\(far)")
    }

    /// `status`: the certificate read back from the host's file.
    @Test("status: the certificate placed on a host", arguments: cases)
    func status(_ testCase: Case) async throws {
        let folder = try TemporaryFolder(prefix: "oo-expiry")
        defer { folder.remove() }
        let onion = OnionKey.generate().address
        let text = """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: h}
            spec: {local: {root: \(folder.path)}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: p}
            spec:
              mode: hardmap
              placement: {hosts: [h]}
              sites: [{onion: \(onion), upstream: example.org}]
            """
        let result = ManifestLoader().load([ManifestFile(path: "p.yaml", text: text)])
        try #require(result.isValid, "\(result.diagnostics)")
        let host = try #require(result.topology.hosts.first)
        let transport = SystemHostConnector().transport(for: host)
        // Nothing placed yet: nothing to say (a missing file is drift).
        #expect(await CertificateCheck.read(host: host, topology: result.topology, transport: transport).isEmpty)

        let made = try TLSCertificateFactory(lifetimeDays: 60).makeCertificate(for: onion, now: Date())
        let path = HostLayout(root: folder.path).resolve(HostLayout.tlsCertificate(project: "p", site: onion))
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try made.certificatePEM.write(toFile: path, atomically: true, encoding: .utf8)
        let now = made.notValidAfter.addingTimeInterval(testCase.days * 86_400)
        let found = await CertificateCheck.read(host: host, topology: result.topology, transport: transport, now: now)
        #expect(found.map(\.severity) == (testCase.severity.map { [$0] } ?? []))
        #expect(found.allSatisfy { $0.subject == onion.description })
    }
}
