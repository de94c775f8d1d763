import OnionOpsCore

/// POSIX sh quoting for the SSH transport's scripts and remote commands.
enum ShellScript {
    /// A single-quoted sh word: safe for any string.
    static func quote(_ value: String) -> String {
        "'" + value.replacing("'", with: "'\\''") + "'"
    }
}
