import Foundation

#if canImport(Glibc)
    public import Glibc
#endif

/// The one way OnionOps runs a program.
///
/// - `capture` (SpawnCapture.swift) runs a short command to completion:
///   every ssh batch, every command run on a host (and so every daemon a
///   supervisor starts), ssh-keygen. It goes through swift-subprocess,
///   which waits through a pidfd monitor thread, so no thread of Swift's
///   cooperative pool (one per core) sits in `waitpid` while a child runs.
/// - `start` starts a long-lived child (the lock's ssh, a test's daemon)
///   and returns its pid; `exitStatus(of:)` waits for it on a thread of
///   its own, never on the pool.
/// - `wait` blocks the calling thread: only for test tools that run
///   commands synchronously (OnionOpsTestSupport's `Command`).
///
/// Every child gets a clean signal mask and default handlers, inherits no
/// descriptor beyond its standard three, and starts with the environment
/// the caller chose (`ChildEnvironment`): the default `.inherited` is for
/// the controller's own short helpers; host commands never inherit.
///
/// Foundation's Process is not used: it reaps children from a SIGCHLD
/// handler, and with several children at once some exited children were
/// never reaped and `waitUntilExit` hung.
public enum Spawn {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts a program without waiting for it; `wait` or `kill` it later.
    /// `passing`: descriptors of the caller's that the child gets as 3, 4,
    /// ... in that order (a browser's DevTools pipe); the caller keeps and
    /// closes its own.
    public static func start(
        _ executable: String,
        _ arguments: [String],
        stdinPath: String = "/dev/null",
        stdoutPath: String,
        stderrPath: String,
        directory: String? = nil,
        environment: ChildEnvironment = .inherited,
        passing descriptors: [Int32] = []
    ) throws -> pid_t {
        // Moved above 2 + count first, so no dup2 below overwrites a source
        // that a later one still reads.
        let moved = descriptors.map { fcntl($0, F_DUPFD_CLOEXEC, 3 + Int32(descriptors.count)) }
        defer { for descriptor in moved where descriptor >= 0 { close(descriptor) } }
        guard !moved.contains(where: { $0 < 0 }) else {
            throw Failure(description: "cannot pass descriptors: \(String(cString: strerror(errno)))")
        }
        return try start(executable, arguments, directory: directory, environment: environment) { actions in
            for (offset, descriptor) in moved.enumerated() {
                posix_spawn_file_actions_adddup2(&actions, descriptor, 3 + Int32(offset))
            }
            posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            if stderrPath == stdoutPath {
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            } else {
                posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            }
        }
    }

    /// Starts a program with descriptors of the caller's as its standard
    /// input, output and error (duplicated in the child; the caller keeps
    /// and closes its own).
    public static func start(
        _ executable: String,
        _ arguments: [String],
        standardInput: Int32,
        standardOutput: Int32,
        standardError: Int32,
        directory: String? = nil,
        environment: ChildEnvironment = .inherited
    ) throws -> pid_t {
        try start(executable, arguments, directory: directory, environment: environment) { actions in
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
            posix_spawn_file_actions_adddup2(&actions, standardOutput, 1)
            posix_spawn_file_actions_adddup2(&actions, standardError, 2)
        }
    }

    private static func start(
        _ executable: String,
        _ arguments: [String],
        directory: String?,
        environment: ChildEnvironment,
        standardStreams: (inout posix_spawn_file_actions_t) -> Void
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        standardStreams(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // A working folder through env(1): glibc's addchdir_np is not
        // imported into Swift.
        var program = executable
        var words = [executable] + arguments
        if let directory {
            program = "/usr/bin/env"
            words = ["/usr/bin/env", "-C", directory, "--"] + words
        }
        let argv = words.map { strdup($0) } + [nil]
        let envp = environment.entries.map { entries in entries.map { strdup($0) } + [nil] }
        defer {
            for word in argv { free(word) }
            for entry in envp ?? [] { free(entry) }
        }
        closeOnExec()
        var pid = pid_t()
        let spawned =
            if let envp {
                posix_spawn(&pid, program, &actions, &attributes, argv, envp)
            } else {
                posix_spawn(&pid, program, &actions, &attributes, argv, environ)
            }
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    /// Marks every open descriptor above stderr close-on-exec, so a child
    /// inherits none: a daemon started from `onionops watch` (nginx, tor)
    /// would otherwise keep the daemon's listening socket, and its port,
    /// for as long as it lives (seen: nginx workers holding the watch port).
    /// posix_spawn_file_actions_addclosefrom_np is not imported into Swift.
    static func closeOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let fd = Int32(entry), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Waits for `pid` to end on a thread of its own (not a thread of the
    /// cooperative pool); its exit status, or 128 + its signal, or nil if
    /// it cannot be waited for (not our child, or reaped already).
    public static func exitStatus(of pid: pid_t) async -> Int32? {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: try? wait(pid))
            }
            thread.name = "onionops wait \(pid)"
            thread.start()
        }
    }

    /// Waits for `pid` to end; its exit status, or 128 + its signal.
    /// Blocks the calling thread: never call it from async code (use
    /// `exitStatus(of:)`); it is here for synchronous test tools.
    public static func wait(_ pid: pid_t) throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw Failure(description: "waitpid \(pid): \(String(cString: strerror(errno)))")
            }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG by hand: the macros are not
        // imported.
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
