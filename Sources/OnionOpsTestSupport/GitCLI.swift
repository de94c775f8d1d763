/// The git command line for fixtures and benchmarks: no global or system
/// configuration, a fixed identity, signing off unless the arguments turn
/// it on (`-c commit.gpgsign=true` after it wins).
public enum GitCLI {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// git's output (stdout and stderr); throws naming the command when it fails.
    @discardableResult
    public static func run(
        _ arguments: [String], in directory: String, environment: [String] = [], name: String = "ops",
        email: String = "ops@example.org"
    ) throws -> String {
        let result = try Command.capture(
            "/usr/bin/env",
            environment + [
                "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=\(name)",
                "GIT_AUTHOR_EMAIL=\(email)", "GIT_COMMITTER_NAME=\(name)", "GIT_COMMITTER_EMAIL=\(email)",
                "/usr/bin/git", "-c", "commit.gpgsign=false",
            ] + arguments,
            in: directory, mergeStreams: true)
        guard result.exitCode == 0 else {
            throw Failure(description: "git \(arguments.joined(separator: " ")): \(result.stdout)")
        }
        return result.stdout
    }
}
