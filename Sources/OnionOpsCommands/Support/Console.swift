import Foundation

/// Writes whole lines to stdout or stderr. Results go to stdout,
/// diagnostics and progress to stderr, so `--output json` stays parseable.
enum Console {
    static func out(_ text: String) {
        write(text, to: .standardOutput)
    }

    static func err(_ text: String) {
        write(text, to: .standardError)
    }

    private static func write(_ text: String, to handle: FileHandle) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        handle.write(Data(line.utf8))
    }
}
