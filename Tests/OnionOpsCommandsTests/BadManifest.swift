import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

/// One invalid manifest set and the diagnostic it must produce.
///
/// In `marked` cases the expected position is written into the YAML as
/// `«`, right where the diagnostic must point; the marker is removed before
/// the file is written.
struct BadManifest: Sendable, CustomTestStringConvertible {
    enum Content: Sendable {
        case text(String)
        case generated(@Sendable () -> Data)
    }

    var name: String
    var files: [String: Content]
    var code: DiagnosticCode
    var mentions: String
    var file: String
    var line: Int
    var column: Int

    var testDescription: String { name }

    static let marker: Character = "«"

    static func marked(
        _ name: String,
        _ code: DiagnosticCode,
        mentions: String,
        file: String = "m.yaml",
        extra: [String: String] = [:],
        _ text: String
    ) -> BadManifest {
        let (clean, line, column) = locate(text)
        var files = extra.mapValues { Content.text($0) }
        files[file] = .text(clean)
        return BadManifest(
            name: name,
            files: files,
            code: code,
            mentions: mentions,
            file: file,
            line: line,
            column: column
        )
    }

    /// Removes the marker and returns where it stood (1-based, scalars).
    static func locate(_ text: String) -> (String, Int, Int) {
        guard let index = text.firstIndex(of: marker) else { return (text, 0, 0) }
        let before = text[..<index]
        let line = before.filter { $0 == "\n" }.count + 1
        let lineStart = before.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        let column = text[lineStart..<index].unicodeScalars.count + 1
        var clean = text
        clean.remove(at: index)
        return (clean, line, column)
    }
}
