import Foundation

/// How to log in to, and trust, an SSH remote.
///
/// libgit2 1.5 does not read known_hosts itself (that came in 1.6): without
/// a host key check it would talk to whoever answers. GitRepository checks
/// every SSH host key against `knownHostsFiles` with `ssh-keygen -F`, which
/// understands hashed names and `[host]:port` entries.
public struct GitSSHOptions: Sendable, Hashable {
    /// A private key; nil: ssh-agent (when SSH_AUTH_SOCK is set), then
    /// `~/.ssh/id_ed25519`, `id_ecdsa` and `id_rsa`, whichever exist.
    public var identityFile: String?
    /// Files in known_hosts format; nil: `~/.ssh/known_hosts` and
    /// `/etc/ssh/ssh_known_hosts`.
    public var knownHostsFiles: [String]?
    public var sshKeygen: String

    public init(
        identityFile: String? = nil, knownHostsFiles: [String]? = nil, sshKeygen: String = "/usr/bin/ssh-keygen"
    ) {
        self.identityFile = identityFile
        self.knownHostsFiles = knownHostsFiles
        self.sshKeygen = sshKeygen
    }

    var home: String { ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory() }

    var effectiveKnownHostsFiles: [String] {
        knownHostsFiles ?? [home + "/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"]
    }

    /// What to offer the server, in order.
    enum Key: Equatable {
        case agent
        case file(String)
    }

    var keys: [Key] {
        if let identityFile { return [.file(identityFile)] }
        var keys: [Key] = []
        if ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] != nil { keys.append(.agent) }
        for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
            let path = home + "/.ssh/" + name
            if FileManager.default.fileExists(atPath: path) { keys.append(.file(path)) }
        }
        return keys
    }
}
