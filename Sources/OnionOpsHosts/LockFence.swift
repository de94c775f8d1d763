import Synchronization

/// The host lock an SSH transport holds, if any. While one is held, every
/// change the transport makes on the host (a file batch, a command) first
/// checks there that the lock file still names this lock (its token) and
/// that someone still holds its flock; the change does not happen if not.
///
/// Why: the lock lives as long as its SSH session. When the shared
/// connection dies unseen (the link went down before the host's close got
/// out), a step's request waits in it until the link is back, is refused
/// then, and ssh opens a connection of its own: the step would run on a
/// host whose lock this run has lost, and that another reconciler may
/// hold by then. The session notices the loss only before its next step.
final class LockFence: Sendable {
    struct Held: Sendable, Equatable {
        /// The lock file below the host's root (as file batches name it).
        var path: String
        /// The same file as the host's shell names it.
        var resolvedPath: String
        var token: String
    }

    private struct State {
        var held: Held?
        /// Why the host refused a change for want of this lock.
        var lost: String?
    }

    private let state = Mutex(State())

    var held: Held? { state.withLock { $0.held } }

    func set(_ held: Held?) { state.withLock { $0 = State(held: held) } }

    /// The host said the lock `token` names is gone: its handle says so
    /// too (`lossReason`), even if its session looks alive from here.
    func refused(_ token: String, _ reason: String) {
        state.withLock { if $0.held?.token == token { $0.lost = reason } }
    }

    func lost(_ token: String) -> String? {
        state.withLock { $0.held?.token == token ? $0.lost : nil }
    }

    /// Marks a change refused by the fence, in a program's error line.
    static let marker = "[lock-lost]"

    /// Exit status of a fenced command whose fence failed.
    static let exitStatus: Int32 = 97

    /// POSIX sh that exits `exitStatus`, saying why on stderr, unless the
    /// lock file at `held.resolvedPath` holds `token` and its flock is held. The
    /// flock is tried, not looked up in /proc/locks: on overlayfs (a
    /// container's root) the device /proc/locks names is not the one stat
    /// gives. A try that wins (nobody held it) lets go at once.
    static func check(_ held: Held) -> String {
        let path = LockScript.quote(held.resolvedPath)
        let line = LockScript.quote("token " + held.token)
        let lost = "echo \"the host lock at \"\(path)\" "
        return """
            if [ -L \(path) ] || [ ! -f \(path) ] || ! grep -qxF -- \(line) \(path); then \
            \(lost)no longer holds this run's record \(marker)" >&2; exit \(exitStatus); fi; \
            if flock -n -s \(path) true; then \
            \(lost)is held by nobody: the session that held it for this run has ended \(marker)" >&2; \
            exit \(exitStatus); fi
            """
    }
}
