import OnionOpsCore
import OnionOpsManifest
import Testing

@Suite("YAML guard over libyaml events")
struct YAMLGuardTests {
    func check(_ text: String, limits: YAMLLimits = .default) -> Diagnostic? {
        YAMLGuard(limits: limits).check(Array(text.utf8), file: "t.yaml")
    }

    @Test("ordinary YAML with anchors, aliases and merge keys passes")
    func ordinary() {
        let text = """
            defaults: &d {a: 1, b: [x, y]}
            one:
              <<: *d
              c: *d
            """
        #expect(check(text) == nil)
    }

    @Test("a billion-laughs document is stopped by the expansion bound")
    func billionLaughs() throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(refs)]")
        }
        let diagnostic = try #require(check(lines.joined(separator: "\n")))
        #expect(diagnostic.code == .aliasExpansionTooLarge)
        // Level 6 is where 9^7 first passes one million.
        #expect(diagnostic.location?.line == 7)
    }

    @Test("an alias as a mapping key is refused where it stands")
    func aliasKey() throws {
        let diagnostic = try #require(check("a: &x k\n? *x\n: v\n"))
        #expect(diagnostic.code == .aliasAsKey)
        #expect(diagnostic.location?.line == 2)
        #expect(diagnostic.location?.column == 3)
    }

    @Test("complex keys are refused")
    func complexKey() throws {
        let diagnostic = try #require(check("? [a, b]\n: v\n"))
        #expect(diagnostic.code == .complexKey)
    }

    @Test("a duplicate key is reported at its second occurrence")
    func duplicateKey() throws {
        let diagnostic = try #require(check("spec:\n  a: 1\n  b: 2\n  a: 3\n"))
        #expect(diagnostic.code == .duplicateKey)
        #expect(diagnostic.location?.line == 4)
        #expect(diagnostic.location?.column == 3)
    }

    @Test("the same key in sibling mappings is fine")
    func siblingKeys() {
        #expect(check("x: {a: 1}\ny: {a: 2}\nz: [{a: 1}, {a: 2}]\n") == nil)
    }

    @Test("nesting past the depth bound is refused at the level that crosses it")
    func deepNesting() throws {
        let text = "a:\n  b: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let diagnostic = try #require(check(text))
        #expect(diagnostic.code == .nestingTooDeep)
        #expect(diagnostic.location?.line == 2)
        // Two mappings are open before the brackets start at column 6.
        #expect(diagnostic.location?.column == 6 + YAMLLimits.default.maxDepth - 2)
    }

    @Test("10,000 levels of nesting are refused at the structure's start")
    func veryDeepNesting() throws {
        let text = "x: 1\ny: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let diagnostic = try #require(check(text))
        #expect(diagnostic.code == .nestingTooDeep)
        #expect(diagnostic.location?.line == 2)
        #expect((4...5).contains(diagnostic.location?.column ?? 0))
    }

    @Test("event, alias and size bounds")
    func bounds() throws {
        let small = YAMLLimits(maxBytes: 100, maxDepth: 8, maxEvents: 50, maxAliases: 2, maxExpandedNodes: 1000)
        #expect(check(String(repeating: "a", count: 101), limits: small)?.code == .fileTooLarge)
        let many = (0..<60).map { "k\($0): v" }.joined(separator: "\n")
        #expect(check(many, limits: YAMLLimits(maxEvents: 50))?.code == .tooManyEvents)
        #expect(check("a: &x 1\nb: *x\nc: *x\nd: *x\n", limits: small)?.code == .tooManyAliases)
    }

    @Test("an alias to an undefined anchor is an error, not a crash")
    func undefinedAlias() {
        #expect(check("a: *nope\n")?.code == .undefinedAlias)
    }

    @Test("syntax errors carry libyaml's position")
    func syntax() throws {
        let diagnostic = try #require(check("a: [1, 2\nb: 3\n"))
        #expect(diagnostic.code == .yamlSyntax)
        #expect(diagnostic.location?.line == 2)
    }

    @Test("invalid UTF-8 is reported with a position")
    func encoding() throws {
        let bytes: [UInt8] = Array("a: 1\nb: ".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        let diagnostic = try #require(YAMLGuard().check(bytes, file: "t.yaml"))
        #expect(diagnostic.code == .yamlEncoding)
        #expect(diagnostic.location?.line == 2)
        #expect((4...5).contains(diagnostic.location?.column ?? 0))
    }
}
