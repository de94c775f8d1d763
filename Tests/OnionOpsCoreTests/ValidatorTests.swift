import OnionOpsCore
import OnionOpsTestSupport
import Testing

@Suite("semantic validation")
struct ValidatorTests {
    static func origin(_ name: String) -> ObjectOrigin {
        ObjectOrigin(document: SourceLocation(file: "\(name).yaml", line: 1, column: 1))
    }

    static func host(_ name: String, root: String = "/tmp/oo/h") -> Host {
        Host(name: name, connection: .local(root: root), origin: origin(name))
    }

    static func project(
        _ name: String,
        mode: ProjectMode = .hardmap,
        hosts: [String],
        instances: Int = 1,
        sites: [Site] = [Site(onion: TestOnions.a, upstream: "example.org")]
    ) -> Project {
        Project(
            name: name,
            mode: mode,
            placement: Placement(hosts: hosts, torInstances: instances),
            sites: sites,
            origin: origin(name)
        )
    }

    static func codes(_ topology: Topology) -> [DiagnosticCode] {
        Validator().validate(topology).map(\.code)
    }

    @Test("a small hardmap and softmap topology is valid")
    func valid() {
        let topology = Topology(
            hosts: [Self.host("edge-1"), Self.host("edge-2")],
            projects: [
                Self.project("news", hosts: ["edge-1", "edge-2"]),
                Self.project(
                    "shop",
                    mode: .softmap,
                    hosts: ["edge-1", "edge-2"],
                    instances: 4,
                    sites: [Site(onion: TestOnions.b, upstream: "example.net")]
                ),
            ],
            balancers: [Balancer(name: "front", project: "shop", hosts: ["edge-2"], origin: Self.origin("front"))]
        )
        #expect(Validator().validate(topology).isEmpty)
    }

    @Test("eight backends per frontend are allowed, nine are not, counted across hosts")
    func backendLimit() {
        func topology(instances: Int) -> Topology {
            Topology(
                hosts: [Self.host("a"), Self.host("b"), Self.host("c")],
                projects: [Self.project("shop", mode: .softmap, hosts: ["a", "b", "c"], instances: instances)],
                balancers: [Balancer(name: "f", project: "shop", hosts: ["a"], origin: Self.origin("f"))]
            )
        }
        #expect(Self.codes(topology(instances: 2)).isEmpty)  // 6
        #expect(Self.codes(topology(instances: 3)) == [.tooManyBackends])  // 9
    }

    @Test("no site limit per project: 1,000 sites are valid (subs_filter has no 255-pattern cap)")
    func siteLimit() {
        func topology(sites: Int) -> Topology {
            let list = (0..<sites).map { number in
                var key = [UInt8](repeating: 7, count: 32)
                key[0] = UInt8(number & 0xFF)
                key[1] = UInt8(number >> 8)
                return Site(onion: OnionAddress(publicKey: key).description, upstream: "s\(number).example.org")
            }
            return Topology(hosts: [Self.host("a")], projects: [Self.project("big", hosts: ["a"], sites: list)])
        }
        #expect(Self.codes(topology(sites: 1000)).isEmpty)
    }

    @Test("two hardmap projects may share an identical site on one host (hardmap-cpu)")
    func hardmapCPU() {
        let topology = Topology(
            hosts: [Self.host("edge-1")],
            projects: [Self.project("cpu1", hosts: ["edge-1"]), Self.project("cpu2", hosts: ["edge-1"])]
        )
        #expect(Self.codes(topology).isEmpty)
    }

    @Test("two projects mapping one onion to different upstreams conflict")
    func siteConflict() {
        let topology = Topology(
            hosts: [Self.host("edge-1")],
            projects: [
                Self.project("cpu1", hosts: ["edge-1"]),
                Self.project("cpu2", hosts: ["edge-1"], sites: [Site(onion: TestOnions.a, upstream: "example.net")]),
            ]
        )
        #expect(Self.codes(topology) == [.siteConflict])
    }

    @Test("a softmap frontend served by another project would leak its key off the publishers")
    func keyPlacement() {
        let topology = Topology(
            hosts: [Self.host("edge-1"), Self.host("pub")],
            projects: [
                Self.project("shop", mode: .softmap, hosts: ["edge-1"]),
                Self.project("copy", hosts: ["edge-1"]),
            ],
            balancers: [Balancer(name: "f", project: "shop", hosts: ["pub"], origin: Self.origin("f"))]
        )
        #expect(Self.codes(topology) == [.keyPlacement])
    }

    @Test("softmap needs exactly one balancer; hardmap takes none")
    func balancers() {
        let softmapAlone = Topology(
            hosts: [Self.host("edge-1")],
            projects: [Self.project("shop", mode: .softmap, hosts: ["edge-1"])]
        )
        #expect(Self.codes(softmapAlone) == [.balancerMismatch])
        let hardmapWithBalancer = Topology(
            hosts: [Self.host("edge-1")],
            projects: [Self.project("news", hosts: ["edge-1"])],
            balancers: [Balancer(name: "f", project: "news", hosts: ["edge-1"], origin: Self.origin("f"))]
        )
        #expect(Self.codes(hardmapWithBalancer) == [.balancerMismatch])
    }

    @Test("a socket path over 107 bytes is refused, naming the host")
    func socketPath() throws {
        let longRoot = "/tmp/" + String(repeating: "r", count: 70)
        let topology = Topology(
            hosts: [Self.host("edge-1", root: longRoot)],
            projects: [Self.project("news", hosts: ["edge-1"])]
        )
        let diagnostics = Validator().validate(topology)
        #expect(diagnostics.map(\.code) == [.socketPathTooLong])
        let message = try #require(diagnostics.first?.message)
        #expect(message.contains("edge-1"))
        // The same topology under a short root fits.
        var short = topology
        short.hosts[0].connection = .local(root: "/tmp/oo/e1")
        #expect(Self.codes(short).isEmpty)
    }

    @Test("every problem is reported, not only the first")
    func allDiagnostics() {
        let topology = Topology(
            hosts: [Self.host("edge-1"), Self.host("edge-1")],
            projects: [
                Self.project(
                    "news",
                    hosts: ["edge-1", "ghost"],
                    sites: [Site(onion: TestOnions.withBadChecksum(TestOnions.a), upstream: "bad_domain")]
                )
            ]
        )
        let codes = Set(Self.codes(topology))
        #expect(codes == [.duplicateName, .danglingReference, .onionChecksum, .invalidDNSName])
    }

    @Test("diagnostics print as file:line:column: error: message [code]")
    func format() {
        let diagnostic = Diagnostic.error(
            .unknownKey,
            "unknown key 'x'",
            at: SourceLocation(file: "m/a.yaml", line: 3, column: 5)
        )
        #expect(diagnostic.description == "m/a.yaml:3:5: error: unknown key 'x' [unknown-key]")
    }
}
