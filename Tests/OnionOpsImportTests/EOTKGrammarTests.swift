import OnionOpsCore
import OnionOpsImport
import OnionOpsKeys
import Testing

/// EOTK's reading of project files, rule by rule, traps included: each case
/// is a file and the diagnostic (code, line, column) or value it must give.
@Suite struct EOTKGrammarTests {
    static let onionA = "wg4yyr7muuoaxmhgqttpwtqlzoqnbwnv32ghhplj4bv472n3gd72h5ad"
    static let onionB = "x6u6qgeg3asajdj6cfpsy2d3x5t6jr6d7ptpygychrjjgkn7cxplrpad"

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var code: DiagnosticCode
        var severity: Severity = .error
        var line: Int
        var column: Int
        var environment: [String: String] = [:]
        var file = "p.conf"
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(
            name: "inline # is part of the value, with a warning", text: "set hard_mode 1 # plain\n",
            code: .importInlineComment, severity: .warning, line: 1, column: 17),
        BadCase(
            name: "inline # on a map line would be a subdomain",
            text: "hardmap \(onionA) example.org # main site\n", code: .importInlineComment, line: 1, column: 78),
        BadCase(
            name: "dangling backslash at the end of the file", text: "set a 1\nset b \\\n", code: .importSyntax,
            line: 2, column: 1),
        BadCase(
            name: "unknown statement", text: "set a 1\n\nmapp \(onionA) example.org\n", code: .importUnknownStatement,
            line: 3, column: 1),
        BadCase(
            name: "a v2 onion", text: "hardmap facebookcorewwwi example.org\n", code: .importKey, line: 1, column: 9),
        BadCase(
            name: "a v2 key file", text: "hardmap secrets.d/facebookcorewwwi.key example.org\n", code: .importKey,
            line: 1, column: 9),
        BadCase(
            name: "duplicate foreignmap onion",
            text: "foreignmap \(onionA) a.org\nforeignmap \(onionA).onion b.org\n", code: .importDuplicate, line: 2,
            column: 12),
        BadCase(
            name: "duplicate foreignmap domain",
            text: "foreignmap \(onionA) a.org\nforeignmap \(onionB) a.org\n", code: .importDuplicate, line: 2,
            column: 69),
        BadCase(
            name: "a hardmap project cannot take a softmap line",
            text: "set project p\nhardmap \(onionA) a.org\nsoftmap \(onionB) b.org\n", code: .importMixedProject,
            line: 3,
            column: 9),
        BadCase(
            name: "%NAME% unset", text: "set project p\nhardmap %NEW_V3_ONION% %SITE_DOMAIN%\n",
            code: .importPlaceholder,
            line: 2, column: 24, file: "p.tconf"),
        BadCase(
            name: "v2 placeholder refused", text: "hardmap %NEW_HARD_ONION% a.org\n", code: .importPlaceholder, line: 1,
            column: 9, file: "p.tconf"),
        BadCase(
            name: "a bad onion checksum", text: "hardmap \(onionA.dropLast(2))aa a.org\n", code: .invalidOnionAddress,
            line: 1, column: 9),
        BadCase(name: "set without a name", text: "set\n", code: .importSyntax, line: 1, column: 1),
        BadCase(name: "a setting name EOTK refuses", text: "set 9lives 1\n", code: .importSyntax, line: 1, column: 5),
        BadCase(
            name: "a map line without a domain", text: "softmap \(onionA)\n", code: .importSyntax, line: 1, column: 1),
        BadCase(
            name: "a domain that is not a DNS name", text: "hardmap \(onionA) localhost\n", code: .invalidDNSName,
            line: 1, column: 66),
        BadCase(
            name: "a bad value", text: "set hard_mode 7\nhardmap \(onionA) a.org\n", code: .importBadValue, line: 1,
            column: 5),
    ]

    @Test(arguments: badCases)
    func badInput(_ badCase: BadCase) {
        let diagnostics = Self.diagnostics(badCase.text, file: badCase.file, environment: badCase.environment)
        let match = diagnostics.first { $0.code == badCase.code }
        #expect(match != nil, "\(badCase.name): got \(diagnostics.map(\.description))")
        #expect(match?.severity == badCase.severity)
        #expect(match?.location == SourceLocation(file: badCase.file, line: badCase.line, column: badCase.column))
    }

    static func diagnostics(_ text: String, file: String, environment: [String: String] = [:]) -> [Diagnostic] {
        let read = EOTKReader.read([EOTKProjectFile(path: file, text: text)], siteConf: nil, environment: environment)
        var material = ImportMaterial()
        material.keys = read.newKeys
        let plan = ImportBuilder.build(read.configurations, material: material, options: ImportOptions())
        return read.diagnostics + plan.report.diagnostics
    }

    static func configuration(_ text: String, siteConf: String? = nil) -> EOTKConfiguration? {
        EOTKReader.read(
            [EOTKProjectFile(path: "p.conf", text: text)],
            siteConf: siteConf.map { EOTKProjectFile(path: "eotk-site.conf", text: $0) }, environment: [:]
        ).configurations.first
    }

    @Test func continuationJoinsBeforeCommentsAreRemoved() {
        // The comment's trailing backslash swallows the set line: EOTK never sees it.
        let config = Self.configuration("# old value \\\nset hard_mode 2\nset force_https 0\n")
        #expect(config?.settings["hard_mode"] == nil)
        #expect(config?.settings["force_https"]?.value == "0")
    }

    @Test func continuationJoinsWithOneSpaceAndEvenBackslashesDoNot() {
        let config = Self.configuration(
            "set block_path_re \\\n   ^/a \\\n\t^/b\nset preserve_csv x\\\\\nset hard_mode 2\n")
        #expect(config?.settings["block_path_re"]?.value == "^/a ^/b")
        #expect(config?.settings["block_path_re"]?.words.map(\.location.line) == [2, 3])
        #expect(config?.settings["preserve_csv"]?.value == "x\\\\")
        #expect(config?.settings["hard_mode"]?.value == "2")
    }

    @Test func settingsApplyToTheWholeFileButProjectIsReadInPlace() {
        let text = """
            set project first
            hardmap \(Self.onionA) a.org
            set project second
            hardmap \(Self.onionB) b.org
            set HARD_MODE 2
            """
        let config = Self.configuration(text)
        #expect(config?.projects.map(\.name) == ["first", "second"])
        #expect(config?.settings["hard_mode"]?.value == "2")
        // Retroactive: the first project gets the later hard_mode too.
        var material = ImportMaterial()
        material.keys = [:]
        let plan = ImportBuilder.build(config.map { [$0] } ?? [], material: material, options: ImportOptions())
        let first = plan.files.first { $0.path == "projects/first.yaml" }?.text ?? ""
        #expect(first.contains("hardMode: 2"))
    }

    @Test func onionForms() {
        let forms = [
            Self.onionA, Self.onionA + ".onion", "secrets.d/\(Self.onionA).v3sec.key", "/srv/keys/\(Self.onionA).key",
            Self.onionA.uppercased(),
        ]
        for (index, form) in forms.enumerated() {
            let config = Self.configuration("hardmap \(form) a.org\n")
            #expect(config?.projects.first?.maps.first?.address.description == Self.onionA + ".onion", "form \(index)")
            let keyPath = config?.projects.first?.maps.first?.keyPath
            #expect((keyPath != nil) == form.contains("/"), "form \(index)")
        }
    }

    @Test func siteConfIsReadInFrontOfEachFile() {
        let config = Self.configuration(
            "hardmap \(Self.onionA) a.org\nset hard_mode 0\n", siteConf: "set hard_mode 2\nset force_https 0\n")
        #expect(config?.settings["hard_mode"]?.value == "0")
        #expect(config?.settings["force_https"]?.location.file == "eotk-site.conf")
    }

    @Test func templatesMakeKeysAndReadTheEnvironment() {
        let read = EOTKReader.read(
            [EOTKProjectFile(path: "w.tconf", text: "set project wiki\nhardmap %NEW_V3_ONION% %DOMAIN% m\n")],
            siteConf: nil, environment: ["DOMAIN": "wikipedia.org"]
        )
        #expect(read.diagnostics.isEmpty)
        #expect(read.newKeys.count == 1)
        let map = read.configurations.first?.projects.first?.maps.first
        #expect(map?.domain == "wikipedia.org")
        #expect(map.map { read.newKeys[$0.address] != nil } == true)
    }

    @Test func everyLineIsReportedAndDefaultsAreWrittenOut() {
        let text =
            "set project p\nhardmap \(Self.onionA) a.org\nset tor_syslog info\nset nonce128_1 x\nset no_such_thing 1\nset hard_mode 2\n"
        let read = EOTKReader.read([EOTKProjectFile(path: "p.conf", text: text)], siteConf: nil, environment: [:])
        let plan = ImportBuilder.build(read.configurations, material: ImportMaterial(), options: ImportOptions())
        let byLine = Dictionary(plan.report.entries.compactMap { e in e.location.map { ($0.line, e.status) } }) {
            a, _ in a
        }
        #expect(byLine == [1: "ignored", 2: "mapped", 3: "unsupported", 4: "ignored", 5: "unsupported", 6: "mapped"])
        let defaulted = plan.report.entries.filter { $0.status == "defaulted" }.map(\.statement)
        #expect(defaulted.contains("(EOTK default) tor_single_onion 1"))
        #expect(!defaulted.contains { $0.contains("hard_mode") })
        #expect(plan.report.summaries.first?.unsupported == 2)
    }
}
