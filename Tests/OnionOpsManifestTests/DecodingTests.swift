import OnionOpsCore
import OnionOpsManifest
import OnionOpsTestSupport
import Testing

@Suite("strict decoding into the model")
struct DecodingTests {
    func load(_ text: String, file: String = "m.yaml") -> LoadResult {
        ManifestLoader().load([ManifestFile(path: file, text: text)])
    }

    @Test("the every-field fixture decodes and validates clean")
    func fixture() {
        let result = load(Fixtures.everyStringField.render())
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.topology.hosts.count == 2)
        #expect(result.topology.projects.count == 2)
        #expect(result.topology.balancers.count == 1)
        let news = result.topology.project(named: "news")
        #expect(news?.nginx.access.block.userAgents == ["BadBot 1.0"])
        #expect(news?.sites.first?.upstreamAddress == "127.0.0.1:8443")
        guard case .ssh(let ssh)? = result.topology.host(named: "edge-1")?.connection else {
            Issue.record("edge-1 should be an ssh host")
            return
        }
        #expect(ssh.port == 22)
        #expect(ssh.root == "/srv/h1")
    }

    @Test(
        "ssh.become: sudo decodes; absent means a root login; any other value is an error at its line",
        arguments: [
            ("become: sudo", Become?.some(.sudo), nil),
            ("port: 22", nil, nil),
            (
                "become: su", nil,
                "m.yaml:4:56: error: 'spec.ssh.become' is 'su'; expected one of 'sudo' [invalid-value]"
            ),
            ("become: true", nil, "m.yaml:4:56: error: 'spec.ssh.become' is 'true'"),
        ] as [(String, Become?, String?)])
    func become(line: String, expected: Become?, error: String?) throws {
        let result = load(
            """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: h}
            spec: {ssh: {address: 192.0.2.1, user: deploy, \(line)}}
            """
        )
        if let error {
            let said = result.diagnostics.map(\.description).joined(separator: "\n")
            #expect(said.contains(error), "\(said)")
            return
        }
        #expect(result.diagnostics.map(\.description) == [])
        guard case .ssh(let ssh)? = result.topology.hosts.first?.connection else {
            Issue.record("an ssh host")
            return
        }
        #expect(ssh.become == expected)
        #expect(ssh.user == "deploy")
    }

    @Test("defaults apply to omitted optional settings")
    func defaults() throws {
        let result = load(
            """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: h}
            spec: {local: {root: /tmp/oo/h}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: p}
            spec:
              mode: hardmap
              placement: {hosts: [h]}
              sites: [{onion: \(TestOnions.a), upstream: example.org}]
            """
        )
        #expect(result.isValid)
        let project = try #require(result.topology.projects.first)
        #expect(project.placement.torInstances == 1)
        #expect(project.tor == TorOptions())
        #expect(project.nginx.forceHttps)
        #expect(result.topology.hosts.first?.tor == .torDefault)
    }

    @Test("merge keys share settings between documents' mappings")
    func mergeKeys() throws {
        let result = load(
            """
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: p}
            spec:
              mode: hardmap
              placement: {hosts: [h]}
              sites:
                - &site {onion: \(TestOnions.a), upstream: example.org, subdomains: [www]}
                - <<: *site
                  onion: \(TestOnions.b)
            ---
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: h}
            spec: {local: {root: /tmp/oo/h}}
            """
        )
        #expect(result.diagnostics.map(\.description) == [])
        let sites = try #require(result.topology.projects.first?.sites)
        #expect(sites.map(\.onion) == [TestOnions.a, TestOnions.b])
        #expect(sites[1].subdomains == ["www"])
    }

    @Test("one pass reports problems in every document and field")
    func everyProblem() {
        let result = load(
            """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: h}
            spec: {local: {root: /tmp/oo/h}, colour: blue}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: p}
            spec:
              mode: hardmap
              placement: {hosts: [h], torInstances: two}
              sites: [{onion: \(TestOnions.a), upstream: example.org}]
              tor: {singleOnion: yes}
            """
        )
        #expect(result.diagnostics.map(\.code) == [.unknownKey, .typeMismatch, .typeMismatch])
        #expect(result.diagnostics.map { $0.location?.line ?? 0 } == [4, 11, 13])
    }

    @Test("an object missing a required field is not also reported as a dangling reference")
    func noCascade() {
        let result = load(
            """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: h}
            spec: {}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: p}
            spec:
              mode: hardmap
              placement: {hosts: [h]}
              sites: [{onion: \(TestOnions.a), upstream: example.org}]
            """
        )
        #expect(result.diagnostics.map(\.code) == [.missingKey])
    }

    @Test("files and documents keep their order and names in diagnostics")
    func multipleFiles() {
        let result = ManifestLoader().load([
            ManifestFile(
                path: "m/a.yaml", text: "apiVersion: onionops/v1\nkind: Hots\nmetadata: {name: h}\nspec: {}\n"),
            ManifestFile(path: "m/b.yaml", text: "not: [valid\n"),
        ])
        #expect(result.diagnostics.map { $0.location?.file ?? "" } == ["m/a.yaml", "m/b.yaml"])
        #expect(result.diagnostics.first?.message.contains("did you mean 'Host'?") == true)
    }
}
