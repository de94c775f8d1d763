import OnionOpsCore
import OnionOpsManifest
import OnionOpsTestSupport
import Testing

/// Every character that could close or open a directive, pushed through
/// every string field that reaches a config file: each is refused at the
/// field's own line and column.
@Suite("injection through every string field")
struct InjectionTableTests {
    static let characters = [";", "{", "}", "\"", "'", "$", "#", "\n", "\0", "\\", "`"]

    struct Case: CustomTestStringConvertible, Sendable {
        var slot: String
        var character: String
        var testDescription: String { "\(slot) with \(Quoted(character))" }
    }

    static let cases: [Case] = Fixtures.everyStringField.slots.flatMap { slot in
        characters.map { Case(slot: slot, character: $0) }
    }

    /// Fields the renderer writes only inside quoted regex contexts
    /// (`ConfigText.controlCharacter`): quotes, braces and `;` are data
    /// there, so only control characters are refused (the render test
    /// `QuotedFieldRenderTests` runs nginx -t on the rest).
    static let quotedSlots: Set<String> = [
        "block.userAgent", "deny.hostPattern", "deny.referer", "deny.paramPattern", "allow.origin",
        "allow.paramValue", "access.blockMessage", "fixed.body", "redirect.path",
    ]
    /// Control characters; a fixed body may hold line breaks.
    static func mustRefuse(_ slot: String, _ character: String) -> Bool {
        guard quotedSlots.contains(slot) else { return true }
        return character == "\0" || (character == "\n" && slot != "fixed.body")
    }

    @Test("each character in each field is refused where it stands", arguments: cases)
    func refused(_ testCase: Case) throws {
        let template = Fixtures.everyStringField
        let good = try #require(template.values[testCase.slot])
        // In the middle of a valid value, so only the character is wrong.
        let half = good.index(good.startIndex, offsetBy: good.count / 2)
        let bad = String(good[..<half]) + testCase.character + String(good[half...])
        let overrides = [testCase.slot: bad]
        let result = ManifestLoader().load([ManifestFile(path: "inject.yaml", text: template.render(overrides))])
        let position = try #require(template.position(of: testCase.slot, overrides))

        let atField = result.diagnostics.filter {
            $0.location?.line == position.line && $0.location?.column == position.column
        }
        guard Self.mustRefuse(testCase.slot, testCase.character) else {
            #expect(
                !atField.contains { $0.code == .configInjection },
                "a quoted field takes \(Quoted(testCase.character)) as data: \(atField.map(\.description))")
            return
        }
        #expect(!result.isValid)
        #expect(
            atField.contains { $0.code == .configInjection },
            "expected config-injection at \(position.line):\(position.column); got \(result.diagnostics.map(\.description))"
        )
    }

    @Test("the table covers every slot of the fixture")
    func coverage() {
        #expect(Self.cases.count == Fixtures.everyStringField.slots.count * Self.characters.count)
        #expect(Fixtures.everyStringField.slots.count >= 25)
    }
}
