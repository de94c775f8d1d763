import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

/// Each invalid manifest set, run through the real binary: exit 1 and a
/// diagnostic at the right file, line and column naming the problem.
@Suite("bad manifests through `onionops validate`")
struct BadManifestTableTests {
    struct JSONReport: Decodable {
        struct Entry: Decodable {
            var file: String?
            var line: Int?
            var column: Int?
            var code: String
            var message: String
        }
        var valid: Bool
        var diagnostics: [Entry]
    }

    @Test("the table has at least 40 cases, each with a distinct name")
    func size() {
        #expect(BadManifestCases.all.count >= 40)
        #expect(Set(BadManifestCases.all.map(\.name)).count == BadManifestCases.all.count)
        #expect(BadManifestCases.all.allSatisfy { $0.line > 0 && $0.column > 0 }, "a case is missing its « marker")
    }

    @Test("each is refused with a precise diagnostic", arguments: BadManifestCases.all)
    func refused(_ bad: BadManifest) throws {
        let folder = try TemporaryFolder(prefix: "oo-bad")
        defer { folder.remove() }
        for (path, content) in bad.files {
            switch content {
            case .text(let text): try folder.write("m/\(path)", text)
            case .generated(let make): try folder.write("m/\(path)", make())
            }
        }
        let run = try OnionOpsBinary.run(["validate", "m", "--output", "json"], in: folder.path)
        // Measured, not asserted: `grep bad-manifest` in the test output.
        print("[bad-manifest] \(Int(run.seconds * 1000)) ms  \(bad.name)")

        #expect(run.exitCode == 1, "exit code \(run.exitCode); stderr: \(run.stderr)")
        let report = try JSONDecoder().decode(JSONReport.self, from: Data(run.stdout.utf8))
        #expect(!report.valid)
        let match = report.diagnostics.first {
            $0.code == bad.code.rawValue && $0.file == "m/\(bad.file)" && $0.line == bad.line && $0.column == bad.column
        }
        let seen = report.diagnostics.map {
            "\($0.file ?? "-"):\($0.line ?? 0):\($0.column ?? 0) \($0.code): \($0.message)"
        }
        let found = try #require(
            match,
            "expected \(bad.code.rawValue) at m/\(bad.file):\(bad.line):\(bad.column); got \(seen)"
        )
        #expect(found.message.contains(bad.mentions), "message '\(found.message)' should mention \(bad.mentions)")
    }
}
