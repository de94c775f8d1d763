import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The folder of ssh's connection-sharing sockets (ControlPath) and of the
/// forwarded control sockets.
///
/// Whoever can put a socket there is the "master" every ssh of a reconcile
/// talks to: it receives each batch script (key files, TLS keys) and
/// answers for the host. So the folder must be one no other user can have
/// made or can change:
///
/// - root: `/run/onionops-controller`, in /run, where only root creates;
/// - another user: `$XDG_RUNTIME_DIR/onionops-ssh` when that runtime
///   folder is the user's own (systemd makes it 0700);
/// - otherwise, or when the place above fails the check: a fresh
///   `PrivateFolder`, private by construction, kept for this process.
///
/// Before every use the folder is checked without following links: a
/// directory, owned by the effective uid, mode exactly 0700. The check
/// holding once means it keeps holding: no other user can write in it or,
/// in /run or a sticky temp folder, rename it.
public enum SSHControlFolder {
    public static let rootPath = "/run/onionops-controller"

    /// Unix socket paths end at 107 bytes; ssh appends "/" + 40 hex
    /// digits (%C) and, while it sets a master up, 17 more characters.
    static let longestFolder = 107 - 1 - 40 - 17

    /// Made once per process when the usual place cannot be used.
    private static let fallback = Mutex<String?>(nil)
    /// Each refusal is explained once per process, not on every batch.
    private static let explained = Mutex<Set<String>>([])

    /// Why `path` cannot hold control sockets, or nil when it can: it must
    /// be a real directory (not a link), owned by the effective uid, with
    /// mode 0700.
    public static func problem(with path: String) -> String? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return "\(path): \(String(cString: strerror(errno)))" }
        if status.st_mode & S_IFMT == S_IFLNK { return "\(path) is a symbolic link" }
        guard status.st_mode & S_IFMT == S_IFDIR else { return "\(path) is not a directory" }
        guard status.st_uid == geteuid() else {
            return "\(path) is owned by uid \(status.st_uid), not by this user (uid \(geteuid()))"
        }
        let mode = status.st_mode & 0o7777
        guard mode == 0o700 else { return "\(path) has mode \(String(mode, radix: 8)), not 700" }
        return nil
    }

    /// The checked folder to use now; see the type's comment.
    public static func current() -> String {
        let preferred = preferredPath()
        if let preferred {
            // mkdir never follows or replaces what is there; the check below
            // decides whether that is ours. A folder just made here (in /run
            // or our own runtime folder) gets 0700 whatever the umask.
            if mkdir(preferred, 0o700) == 0 { chmod(preferred, 0o700) }
            guard let problem = problem(with: preferred) else { return preferred }
            explain("refusing \(preferred) for ssh control sockets: \(problem)")
        }
        return fallback.withLock { made in
            if let made, problem(with: made) == nil { return made }
            let fresh = makePrivateFolder()
            made = fresh
            return fresh
        }
    }

    private static func preferredPath() -> String? {
        if geteuid() == 0 { return rootPath }
        guard let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/"),
            problem(with: runtime) == nil
        else { return nil }
        let path = (runtime.hasSuffix("/") ? String(runtime.dropLast()) : runtime) + "/onionops-ssh"
        return path.utf8.count <= longestFolder ? path : nil
    }

    /// A `PrivateFolder` in $TMPDIR when short enough, else /tmp. If both fail, a
    /// path under /run that no one but root can create: ssh then fails
    /// to open its socket, with the reason explained on stderr.
    private static func makePrivateFolder() -> String {
        var bases = ["/tmp"]
        let temporary = NSTemporaryDirectory()
        let trimmed = temporary.hasSuffix("/") ? String(temporary.dropLast()) : temporary
        if trimmed != "/tmp" && (trimmed + "/onionops-ssh-XXXXXXXX").utf8.count <= longestFolder {
            bases.insert(trimmed, at: 0)
        }
        var failures: [String] = []
        for base in bases {
            let made: String
            do {
                made = try PrivateFolder(prefix: "onionops-ssh", in: base).path
            } catch {
                failures.append("\(base): \(error)")
                continue
            }
            if let problem = problem(with: made) {
                failures.append(problem)
                continue
            }
            return made
        }
        let unusable = "/run/onionops-no-private-ssh-folder"
        explain("no private folder for ssh control sockets (\(failures.joined(separator: "; "))); ssh will fail")
        return unusable
    }

    /// A library has no logger here: this goes to stderr, where the
    /// operator running onionops sees it.
    private static func explain(_ message: String) {
        let first = explained.withLock { $0.insert(message).inserted }
        guard first else { return }
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
