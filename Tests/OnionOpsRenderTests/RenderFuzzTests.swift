import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsTestSupport
import Testing

/// Random strings, rich in `;`, braces, quotes, `$`, `#`, newlines and NUL,
/// through every manifest string field. Each case is either refused by
/// validation, or rendered into configs whose parsed structure is exactly
/// that of the baseline: the string changed values, never directives.
@Suite("render fuzzing")
struct RenderFuzzTests {
    static let casesPerField = 60
    static let alphabet: [String] =
        ["a", "b", "z", "0", "7", ".", "-", "/", "_", ":", " ", "A"]
        + [";", "{", "}", "\"", "'", "$", "#", "\n", "\0", "\\", "`", "\t"]

    struct Shape: Equatable {
        var nginx: [[ConfigShape.Directive]]
        var torrc: [[String]]
        var obConfigLines: [Int]
        var mapEntriesWellFormed: Bool
    }

    static func shape(of state: DesiredState) throws -> Shape {
        var nginx: [[ConfigShape.Directive]] = []
        var torrc: [[String]] = []
        var ob: [Int] = []
        var wellFormed = true
        for host in state.hosts {
            for file in host.files {
                if file.path.hasSuffix("nginx.conf") {
                    let directives = try ConfigShape.nginx(file.text)
                    wellFormed = wellFormed && directives.filter(\.inMap).allSatisfy { $0.arguments <= 1 }
                    nginx.append(ConfigShape.comparable(directives))
                } else if file.path.hasSuffix(".torrc") {
                    torrc.append(ConfigShape.torrc(file.text))
                } else if file.path.hasSuffix("ob_config") {
                    ob.append(file.text.split(separator: "\n").filter { $0.hasPrefix("MasterOnionAddress ") }.count)
                }
            }
        }
        return Shape(nginx: nginx, torrc: torrc, obConfigLines: ob, mapEntriesWellFormed: wellFormed)
    }

    @Test("no string changes the structure of what is rendered", arguments: Fixtures.everyStringField.slots)
    func fuzz(slot: String) throws {
        let template = Fixtures.everyStringField
        let baseline = ManifestLoader().load([ManifestFile(path: "f.yaml", text: template.render())])
        #expect(baseline.isValid)
        let expected = try Self.shape(of: try Renderer(identities: TestBackendIdentities()).render(baseline.topology))
        #expect(expected.mapEntriesWellFormed)

        var generator = SeededGenerator(
            seed: slot.utf8.reduce(1_469_598_103_934_665_603) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 })
        var refused = 0
        var rendered = 0
        let good = template.values[slot] ?? ""
        for round in 0..<Self.casesPerField {
            // Half the cases keep the valid value and splice noise into it.
            let noise = (0..<Int(generator.next() % 6 + 1)).map { _ in
                Self.alphabet[Int(generator.next() % UInt64(Self.alphabet.count))]
            }.joined()
            let value = round % 2 == 0 ? good + noise : noise
            let result = ManifestLoader().load([ManifestFile(path: "f.yaml", text: template.render([slot: value]))])
            guard result.isValid else {
                refused += 1
                continue
            }
            rendered += 1
            let state = try Renderer(identities: TestBackendIdentities()).render(result.topology)
            let shape = try Self.shape(of: state)
            #expect(shape == expected, "\(slot) = \(Quoted(value)) changed the rendered structure")
        }
        #expect(refused + rendered == Self.casesPerField)
        // Every case with an injection character must have been refused.
        #expect(refused > 0)
    }
}
