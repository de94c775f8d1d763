public import OnionOpsCore

/// EOTK's reading of a project file (`JoinLines` and the comment filter in
/// its `do-configure.pl`), kept exactly, traps included:
/// - a line ending in an odd number of backslashes loses one and is joined
///   to the next with one space; this happens before comments are removed,
///   so a comment ending in `\` swallows the next line;
/// - a dangling continuation at the end of the file is an error;
/// - only whole lines are comments (`^\s*(#.*)?$`): there are no inline
///   comments, so `set x 1 # y` has the value `1 # y`;
/// - words split on whitespace, with no quoting.
///
/// A join always puts a space between the parts, so no word spans two
/// physical lines, and each word keeps the line and column it was written at.
public enum EOTKLexer {
    public static func lines(of text: String, file: String) -> (lines: [EOTKLine], diagnostics: [Diagnostic]) {
        var lines: [EOTKLine] = []
        var pending: [EOTKToken] = []
        var continuing = false
        var lastLineNumber = 0
        for (index, rawLine) in physicalLines(text).enumerated() {
            let lineNumber = index + 1
            lastLineNumber = lineNumber
            var scalars = Array(rawLine.unicodeScalars)
            let trailingBackslashes = scalars.reversed().prefix { $0 == "\\" }.count
            let continues = trailingBackslashes % 2 == 1
            if continues { scalars.removeLast() }
            pending += words(in: scalars, file: file, line: lineNumber)
            continuing = continues
            if !continues {
                if let first = pending.first, !first.text.hasPrefix("#") {
                    lines.append(EOTKLine(tokens: pending))
                }
                pending = []
            }
        }
        guard !continuing else {
            let at = SourceLocation(file: file, line: lastLineNumber, column: 1)
            return (
                lines,
                [
                    .error(
                        .importSyntax,
                        "the last line ends in a backslash, which continues a line that never comes (EOTK: 'hanging backslash at end of input')",
                        at: at
                    )
                ]
            )
        }
        return (lines, [])
    }

    /// Lines without their terminators; a final newline does not start an
    /// empty line. A `\r` before `\n` is dropped (a file saved on Windows).
    static func physicalLines(_ text: String) -> [Substring] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }

    private static func words(in scalars: [Unicode.Scalar], file: String, line: Int) -> [EOTKToken] {
        var tokens: [EOTKToken] = []
        var current = String.UnicodeScalarView()
        var start = 0
        for (offset, scalar) in scalars.enumerated() {
            if isSpace(scalar) {
                if !current.isEmpty {
                    tokens.append(
                        EOTKToken(String(current), at: SourceLocation(file: file, line: line, column: start + 1)))
                    current = String.UnicodeScalarView()
                }
            } else {
                if current.isEmpty { start = offset }
                current.append(scalar)
            }
        }
        if !current.isEmpty {
            tokens.append(EOTKToken(String(current), at: SourceLocation(file: file, line: line, column: start + 1)))
        }
        return tokens
    }

    /// Perl's `\s` on these files: space, tab, form feed, vertical tab, CR.
    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\u{0C}" || scalar == "\u{0B}" || scalar == "\r"
    }
}
