import OnionOpsCore
import Yams

/// Collects diagnostics and field positions while one document is decoded.
///
/// A class so nested readers can share it; it lives only for the duration
/// of one document's decoding on one thread and is never shared.
final class DecodeContext {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var origin: ObjectOrigin
    /// Required fields that could not be read: the object is not usable.
    private(set) var missingRequired = false

    init(file: String, document: Node) {
        self.file = file
        self.origin = ObjectOrigin(document: SourceLocation(file: file, line: 1, column: 1))
        self.origin = ObjectOrigin(document: location(of: document))
    }

    func location(of node: Node) -> SourceLocation {
        guard let mark = node.mark else { return .start(of: file) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func record(_ path: String, _ node: Node) {
        origin.record(path, at: location(of: node))
    }

    func error(_ code: DiagnosticCode, _ message: String, at node: Node) {
        diagnostics.append(.error(code, message, at: location(of: node)))
    }

    func error(_ code: DiagnosticCode, _ message: String, at location: SourceLocation) {
        diagnostics.append(.error(code, message, at: location))
    }

    func markMissingRequired() {
        missingRequired = true
    }
}
