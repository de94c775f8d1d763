public import Foundation

/// The environment a child process starts with.
///
/// The controller's own environment holds whatever its caller had: CI
/// tokens, cloud credentials, an agent socket. A daemon started from it
/// (tor as debian-tor, nginx workers as www-data) would keep all of that in
/// `/proc/<pid>/environ`, readable by the daemon's user for the daemon's
/// whole life. So anything run on a host gets `minimal`, and a child that
/// needs more (ssh: the agent socket) names each variable it keeps.
public struct ChildEnvironment: Sendable, Equatable {
    /// `nil`: the controller's environment, unchanged.
    public let variables: [String: String]?

    public init(variables: [String: String]?) {
        self.variables = variables
    }

    /// Everything this process has: only for the controller's own helpers
    /// that run as its user and exit (never for anything run on a host).
    public static let inherited = ChildEnvironment(variables: nil)

    /// A fixed system PATH and a UTF-8 locale, and nothing else.
    public static let minimal = ChildEnvironment(variables: [
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
    ])

    /// What the OpenSSH client needs of the controller's environment: the
    /// agent socket for agent-held keys; HOME, USER and LOGNAME to find the
    /// user's files the way ssh does.
    public static let sshClientVariables = ["SSH_AUTH_SOCK", "HOME", "USER", "LOGNAME"]

    /// `minimal`, plus each of `names` that `environment` has.
    public static func minimal(
        keeping names: [String], from environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ChildEnvironment {
        var variables = minimal.variables ?? [:]
        for name in names {
            if let value = environment[name] { variables[name] = value }
        }
        return ChildEnvironment(variables: variables)
    }

    /// The environment for `executable` run on behalf of a host: the ssh
    /// client keeps `sshClientVariables`; everything else (the local
    /// transport's commands, hence every daemon it starts) gets `minimal`.
    public static func forHostCommand(_ executable: String) -> ChildEnvironment {
        (executable as NSString).lastPathComponent == "ssh" ? minimal(keeping: sshClientVariables) : minimal
    }

    /// `KEY=value` strings for execve, sorted so a child's environment does
    /// not depend on dictionary order.
    var entries: [String]? {
        variables.map { variables in variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } }
    }
}
