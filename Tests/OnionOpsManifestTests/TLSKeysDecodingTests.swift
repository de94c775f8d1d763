import OnionOpsCore
import OnionOpsManifest
import OnionOpsTestSupport
import Testing

/// `nginx.tls`: scope and subject decode; each bad subject value is
/// refused with its code at its own line and column.
@Suite("tls keys: decoding and validation")
struct TLSKeysDecodingTests {
    static func load(_ body: String) -> LoadResult { ProxyKeysDecodingTests.load(body) }

    @Test("scope and every subject field decode; the defaults are a certificate per onion, no subject")
    func decodes() throws {
        let plain = Self.load("forceHttps: true")
        #expect(plain.topology.projects.first?.nginx.tls == TLSSettings())
        #expect(TLSSettings().scope == .perOnion)
        let result = Self.load(
            """
            tls:
              scope: project
              subject: {organization: Example News, organizationalUnit: Onion Services, country: "NO", locality: Oslo, state: Viken}
            """)
        #expect(result.isValid, "\(result.diagnostics)")
        let tls = try #require(result.topology.projects.first?.nginx.tls)
        #expect(tls.scope == .project)
        #expect(
            tls.subject
                == CertificateSubject(
                    organization: "Example News", organizationalUnit: "Onion Services", country: "NO",
                    locality: "Oslo", state: "Viken"))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var field: String
        var value: String
        var code: DiagnosticCode
        var testDescription: String { "\(field): \(value.debugDescription) -> \(code.rawValue)" }
    }

    @Test(
        "bad subject values are refused where they stand",
        arguments: [
            Case(field: "country", value: "\"no\"", code: .invalidValue),
            Case(field: "country", value: "NOR", code: .invalidValue),
            Case(field: "country", value: "N1", code: .invalidValue),
            Case(field: "country", value: "\"N;\"", code: .configInjection),
            Case(field: "organization", value: String(repeating: "a", count: 65), code: .invalidValue),
            Case(field: "organization", value: "\"Evil\\nCN=x\"", code: .configInjection),
            Case(field: "organizationalUnit", value: "\"a\\u0007b\"", code: .configInjection),
            Case(field: "locality", value: String(repeating: "l", count: 129), code: .invalidValue),
            Case(field: "state", value: "\"Caf\u{E9}\"", code: .invalidValue),
            Case(field: "state", value: "\"a{b\"", code: .configInjection),
        ])
    func refused(_ testCase: Case) throws {
        let result = Self.load("tls:\n  subject:\n    \(testCase.field): \(testCase.value)")
        #expect(!result.isValid)
        // nginx: is line 13; tls line 14, subject 15, the field 16, after
        // "nginx:" (4) + "tls:"... indented: column 7 + key + 2.
        let hits = result.diagnostics.filter { $0.code == testCase.code && $0.location?.line == 16 }
        #expect(hits.count == 1, "\(result.diagnostics.map(\.description))")
        #expect(hits.first?.location?.column == 9 + testCase.field.count + 2, "\(result.diagnostics)")
    }

    @Test("the longest allowed values and an unknown subject key")
    func edges() {
        let longest = Self.load(
            "tls:\n  subject: {organization: \(String(repeating: "o", count: 64)), locality: \(String(repeating: "l", count: 128))}"
        )
        #expect(longest.isValid, "\(longest.diagnostics)")
        let unknown = Self.load("tls:\n  subject: {email: a@example.org}")
        #expect(!unknown.isValid)
        let scope = Self.load("tls: {scope: umbrella}")
        #expect(!scope.isValid)
    }
}
