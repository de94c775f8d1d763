/// Builds a torrc: one `Keyword value` per line, comments with `#`.
///
/// Values come from validated manifests (no newlines, quotes or `#`), so
/// they are written as they are.
struct TorrcWriter {
    private(set) var lines: [String] = []

    init(header: [String]) {
        lines = header
    }

    mutating func blank() {
        lines.append("")
    }

    mutating func comment(_ text: String) {
        lines.append("# \(text)")
    }

    mutating func option(_ keyword: String, _ value: String) {
        lines.append("\(keyword) \(value)")
    }

    mutating func option(_ keyword: String, _ value: Int) {
        option(keyword, String(value))
    }

    mutating func option(_ keyword: String, _ flag: Bool) {
        option(keyword, flag ? "1" : "0")
    }

    var text: String { lines.joined(separator: "\n") + "\n" }
}
