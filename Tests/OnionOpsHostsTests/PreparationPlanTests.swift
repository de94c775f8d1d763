import OnionOpsCore
import OnionOpsHosts
import OnionOpsManifest
import OnionOpsTestSupport
import Testing

/// `hosts prepare`'s plan from what a host has, and its facts script run
/// against this machine's own dpkg.
@Suite("hosts prepare: requirements, facts and plan")
struct PreparationPlanTests {
    /// manifests/ with proof-of-work on for news: edge-2 runs news and the
    /// shop publisher.
    static func requirements(proofOfWork: Bool = false) async throws -> HostRequirements {
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: RepositoryPaths.manifests.path))
        var topology = loaded.topology
        if proofOfWork, let index = topology.projects.firstIndex(where: { $0.name == "news" }) {
            topology.projects[index].tor.proofOfWork.enabled = true
        }
        let host = try #require(topology.hosts.first { $0.name == "edge-2" })
        return HostRequirements(host: host, topology: topology)
    }

    static func facts(
        _ versions: [String: String], recent: Set<String> = [], users: Set<String> = [],
        services: [String: String] = [:]
    ) -> HostFacts {
        var facts = HostFacts()
        facts.versions = versions
        facts.recent = recent
        facts.users = users
        facts.services = services
        facts.systemd = true
        return facts
    }

    static let everything = [
        "tor": "0.4.9.11", "nginx": "1.22.1", "libnginx-mod-http-subs-filter": "1:0.6.4",
        "libnginx-mod-http-lua": "1:0.10.23", "procps": "2:4.0.2", "age": "1.1.1", "onionbalance": "0.2.2",
    ]
    static let users: Set<String> = ["debian-tor", "www-data", "onionbalance"]

    @Test("a publisher host needs onionbalance and its user; proof-of-work asks for tor 0.4.8")
    func requirements() async throws {
        let plain = try await Self.requirements()
        #expect(plain.packages.map(\.name).contains("onionbalance"))
        #expect(plain.users == ["debian-tor", "www-data", "onionbalance"])
        #expect(plain.packages.first { $0.name == "tor" }?.minimumVersion == nil)
        let pow = try await Self.requirements(proofOfWork: true)
        #expect(pow.packages.first { $0.name == "tor" }?.minimumVersion == "0.4.8")
    }

    @Test(
        "plans, table-driven",
        arguments: [
            // A ready host: nothing.
            (Self.everything, Set<String>(), ["tor.service": "disabled"], PackagePolicy.verify, [], []),
            // Debian's tor enabled: disabled, under either policy.
            (Self.everything, [], ["tor.service": "enabled"], .verify, ["disable and stop tor.service"], []),
            // A bare host under install: every package, and the services
            // their postinst will enable.
            (
                [:], [], [:], .install,
                [
                    "install tor nginx libnginx-mod-http-subs-filter libnginx-mod-http-lua procps age onionbalance",
                    "disable and stop tor.service", "disable and stop tor@default.service",
                    "disable and stop nginx.service", "disable and stop onionbalance.service",
                ], []
            ),
            // The same under verify: problems, the fix named, no change.
            (
                ["tor": "0.4.7.16"].merging(Self.everything.filter { $0.key != "tor" && $0.key != "age" }) { a, _ in a
                },
                [], [:], .verify, [],
                [
                    "age is not installed (sealed keys on hosts that decrypt their own)",
                    "fix: apt-get install age, or set spec.packages: install",
                ]
            ),
        ] as [([String: String], Set<String>, [String: String], PackagePolicy, [String], [String])])
    func plans(
        versions: [String: String], recent: Set<String>, services: [String: String], policy: PackagePolicy,
        lines: [String], problems: [String]
    ) async throws {
        let requirements = try await Self.requirements()
        let plan = PreparationPlan(
            requirements: requirements,
            facts: Self.facts(versions, recent: recent, users: versions.isEmpty ? [] : Self.users, services: services),
            policy: policy)
        #expect(plan.lines.map { $0.components(separatedBy: " (").first ?? $0 } == lines)
        #expect(plan.problems == problems)
    }

    @Test("tor older than proof-of-work needs: a problem under verify, an install under install")
    func oldTor() async throws {
        let requirements = try await Self.requirements(proofOfWork: true)
        let old = Self.facts(Self.everything.merging(["tor": "0.4.7.16"]) { _, new in new }, users: Self.users)
        let verify = PreparationPlan(requirements: requirements, facts: old, policy: .verify)
        #expect(
            verify.problems.first
                == "tor 0.4.7.16 is older than 0.4.8 (onion services; 0.4.8 or later for proof-of-work defenses)")
        let install = PreparationPlan(requirements: requirements, facts: old, policy: .install)
        #expect(install.lines.first == "install tor")
        var recent = old
        recent.recent = ["tor"]
        #expect(PreparationPlan(requirements: requirements, facts: recent, policy: .verify).isEmpty)
    }

    @Test("the facts script, run by this machine's sh against its own dpkg")
    func factsOfThisMachine() async throws {
        let loaded = await ManifestLoader().load(from: FolderManifestSource(path: RepositoryPaths.manifests.path))
        var host = try #require(loaded.topology.hosts.first { $0.name == "edge-2" })
        host.connection = .local(root: "/")
        let preparer = HostPreparer(
            host: host, transport: LocalTransport(host: host.name, root: "/"),
            requirements: HostRequirements(host: host, topology: loaded.topology))
        let facts = try await preparer.facts()
        // make deps installs these here.
        #expect(facts.versions["tor"] != nil && facts.versions["nginx"] != nil, "\(facts.versions)")
        #expect(facts.versions["libnginx-mod-http-lua"] != nil)
        #expect(facts.users.contains("debian-tor") && facts.users.contains("www-data"))
    }
}
