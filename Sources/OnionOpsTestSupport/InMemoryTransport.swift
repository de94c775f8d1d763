public import OnionOpsCore
import OnionOpsHosts

/// The transport of an `InMemoryHost`.
public struct InMemoryTransport: HostTransport {
    public let memory: InMemoryHost

    public init(host: InMemoryHost) {
        memory = host
    }

    public var host: String { memory.name }

    public func stat(_ paths: [String]) async throws(HostError) -> [String: FileStatus] {
        try memory.call("stat")
        return try memory.withState { state throws(HostError) in
            var result: [String: FileStatus] = [:]
            for path in paths {
                if let entry = state.entries[path] { result[path] = InMemoryHost.status(of: entry) }
            }
            return result
        }
    }

    public func read(_ paths: [String]) async throws(HostError) -> [String: [UInt8]] {
        try memory.call("read")
        return try memory.withState { state throws(HostError) in
            var result: [String: [UInt8]] = [:]
            for path in paths {
                if let entry = state.entries[path], !entry.isDirectory { result[path] = entry.content }
            }
            return result
        }
    }

    /// One call, as an SSH host answers it in one round trip.
    public func look(read paths: [String], stat statPaths: [String], livePidsIn pidFiles: [String])
        async throws(HostError) -> HostLook
    {
        try memory.call("look")
        return try memory.withState { state throws(HostError) in
            var look = HostLook()
            for path in paths {
                if let entry = state.entries[path], !entry.isDirectory { look.contents[path] = entry.content }
            }
            for path in statPaths {
                if let entry = state.entries[path] { look.statuses[path] = InMemoryHost.status(of: entry) }
            }
            for path in pidFiles {
                guard let entry = state.entries[path], !entry.isDirectory, let pid = PidFileText.pid(in: entry.content),
                    state.processes.contains(pid)
                else { continue }
                look.livePids[path] = pid
            }
            return look
        }
    }

    public func livePids(inFiles pidFiles: [String]) async throws(HostError) -> [String: Int32] {
        try await look(read: [], stat: [], livePidsIn: pidFiles).livePids
    }

    public func apply(_ operations: [HostOperation]) async throws(HostError) {
        try memory.call("apply")
        let batch = HostBatch(operations)
        let name = memory.name
        try memory.withState { state throws(HostError) in
            if let file = batch.writes.first(where: { file in
                state.failingWrites.contains { file.path.hasSuffix($0) }
            }) {
                throw HostError(host: name, code: .io, message: "cannot write \(file.path): injected fault")
            }
            if !state.lockHeld {
                state.changesWithoutLock +=
                    batch.directories.map(\.path) + batch.writes.map(\.path) + batch.removals
                    + batch.emptyFolderRemovals
            }
            for directory in batch.directories {
                state.entries[directory.path] = InMemoryHost.Entry(
                    content: [], mode: directory.mode, owner: directory.owner, isDirectory: true)
            }
            for file in batch.writes {
                state.entries[file.path] = InMemoryHost.Entry(
                    content: file.content, mode: file.mode, owner: file.owner, isDirectory: false)
            }
            for path in batch.removals where state.entries[path]?.isDirectory != true {
                state.entries[path] = nil
            }
            for path in batch.emptyFolderRemovals
            where !state.entries.keys.contains(where: { $0.hasPrefix(path + "/") }) {
                state.entries[path] = nil
            }
        }
    }

    public func run(_ command: [String], input: [UInt8]) async throws(HostError) -> CommandOutput {
        try memory.call("run " + (command.first ?? ""))
        return try memory.withState { state throws(HostError) in
            if state.failingCommands.contains(where: { word in command.contains { $0.contains(word) } }) {
                return CommandOutput(
                    exitCode: 1, stdout: [], stderr: "injected failure of \(command.joined(separator: " "))")
            }
            switch command.first {
            case "/bin/sh" where command.count > 2 && command[2].contains("/proc/locks"):
                return Self.output(state.lockHeld ? "held\n" : "free\n")
            case "/bin/kill":
                let pid = command.last.flatMap { Int32($0) }
                return CommandOutput(
                    exitCode: pid.map(state.processes.contains) == true ? 0 : 1, stdout: [], stderr: "")
            case "/usr/bin/pgrep":
                let master = command.last.flatMap { Int32($0) } ?? 0
                return Self.output((state.workers[master] ?? []).sorted().map { "\($0)\n" }.joined())
            case "/usr/bin/perl":  // the nginx health probe
                return Self.output("200")
            default:
                // find (the temp file sweep), the binary trust script,
                // nginx -t, tor --verify-config: all well.
                return Self.output("")
            }
        }
    }

    public func isAlive(_ pid: Int32) async throws(HostError) -> Bool {
        try memory.call("isAlive")
        return try memory.withState { state throws(HostError) in state.processes.contains(pid) }
    }

    public func lock(owner: String) async throws(HostError) -> HostLock {
        try memory.call("lock")
        let name = memory.name
        let epoch = try memory.withState { state throws(HostError) in
            guard !state.lockHeld else { throw HostError(host: name, code: .locked, message: "\(name) is locked") }
            state.lockHeld = true
            state.lockEpoch += 1
            return state.lockEpoch
        }
        var lock = HostLock(owner: owner, pid: 1, startedAt: 0, machine: "memory", token: name)
        lock.handle = InMemoryLockHandle(host: memory, epoch: epoch)
        return lock
    }

    public func unlock(_ lock: HostLock) async throws(HostError) {
        try memory.call("unlock")
        try memory.withState { state throws(HostError) in state.lockHeld = false }
    }

    public func forwardSocket(_ path: String) async throws(HostError) -> String {
        try memory.call("forwardSocket")
        throw HostError(host: memory.name, code: .commandFailed, message: "an in-memory host has no sockets")
    }

    public func releaseSocket(_ localPath: String) async {}

    static func output(_ text: String) -> CommandOutput {
        CommandOutput(exitCode: 0, stdout: Array(text.utf8), stderr: "")
    }
}

/// An in-memory lock: lost when its host says so (`InMemoryHost.loseLock`).
final class InMemoryLockHandle: HostLockHandle {
    let host: InMemoryHost
    let epoch: Int

    init(host: InMemoryHost, epoch: Int) {
        self.host = host
        self.epoch = epoch
    }

    func lossReason() -> String? { host.lossReason(epoch: epoch) }
}
