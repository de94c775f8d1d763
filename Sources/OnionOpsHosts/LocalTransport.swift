import Foundation
public import OnionOpsCore

#if canImport(Glibc)
    import Glibc
#endif

/// A host that is a folder on this machine: a sandbox host under `root`,
/// or the machine itself with root `/` (pull mode). Each batch is one
/// round trip by construction; the SSH transport keeps the same contract.
public struct LocalTransport: HostTransport {
    public let host: String
    public let layout: HostLayout

    public init(host: String, root: String) {
        self.host = host
        self.layout = HostLayout(root: root)
    }

    var files: POSIXFiles { POSIXFiles(host: host, root: layout.root) }

    private func resolve(_ path: String) throws(HostError) -> String {
        try confined(path, in: layout)
    }

    private func checkReachable() throws(HostError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: layout.root, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw HostError(host: host, code: .unreachable, message: "root folder \(layout.root) does not exist")
        }
    }

    /// A signal 0 of our own instead of spawning `kill -0`.
    public func isAlive(_ pid: Int32) async throws(HostError) -> Bool {
        try checkReachable()
        return kill(pid, 0) == 0
    }

    // Each batch hops onto `BlockingPool.shared` as a whole: opens, reads,
    // hashing, writes and fsync block, and must not hold a thread of the
    // cooperative pool that other hosts' tasks need.

    public func stat(_ paths: [String]) async throws(HostError) -> [String: FileStatus] {
        // Hashing thousands of files is CPU work: a large batch is split
        // by folder order over the cores (each part opens its own folders).
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard paths.count >= 512, cores > 1 else {
            return try await BlockingPool.shared.run { () throws(HostError) in try statNow(paths) }
        }
        let sorted = paths.sorted()
        let size = (sorted.count + cores - 1) / cores
        let parts = stride(from: 0, to: sorted.count, by: size).map { Array(sorted[$0..<min($0 + size, sorted.count)]) }
        let results = await withTaskGroup(of: Result<[String: FileStatus], HostError>.self) { group in
            for part in parts {
                group.addTask {
                    do throws(HostError) {
                        return .success(
                            try await BlockingPool.shared.run { () throws(HostError) in try statNow(part) })
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<[String: FileStatus], HostError>] = []
            for await result in group { all.append(result) }
            return all
        }
        var merged: [String: FileStatus] = [:]
        for result in results {
            switch result {
            case .success(let part): merged.merge(part) { first, _ in first }
            case .failure(let error): throw error
            }
        }
        return merged
    }

    private func statNow(_ paths: [String]) throws(HostError) -> [String: FileStatus] {
        try checkReachable()
        var resolved: [String: String] = [:]
        for path in paths { resolved[try resolve(path)] = path }
        var result: [String: FileStatus] = [:]
        for (local, status) in try files.statuses(resolved.keys.sorted()) {
            if let path = resolved[local] { result[path] = status }
        }
        return result
    }

    public func read(_ paths: [String]) async throws(HostError) -> [String: [UInt8]] {
        try await BlockingPool.shared.run { () throws(HostError) in try readNow(paths) }
    }

    private func readNow(_ paths: [String]) throws(HostError) -> [String: [UInt8]] {
        try checkReachable()
        var resolved: [String: String] = [:]
        for path in paths { resolved[try resolve(path)] = path }
        var result: [String: [UInt8]] = [:]
        for (local, content) in try files.reads(resolved.keys.sorted()) {
            if let path = resolved[local] { result[path] = content }
        }
        return result
    }

    public func apply(_ operations: [HostOperation]) async throws(HostError) {
        try await BlockingPool.shared.run { () throws(HostError) in try applyNow(operations) }
    }

    private func applyNow(_ operations: [HostOperation]) throws(HostError) {
        try checkReachable()
        let batch = HostBatch(operations)
        for directory in batch.directories {
            try files.makeDirectory(try resolve(directory.path), mode: directory.mode, owner: directory.owner)
        }
        for file in batch.writes {
            try files.atomicWrite(file.content, to: try resolve(file.path), mode: file.mode, owner: file.owner)
        }
        for path in batch.removals {
            try files.remove(try resolve(path))
        }
        for path in batch.emptyFolderRemovals {
            try files.removeIfEmpty(try resolve(path))
        }
    }

    public func run(_ command: [String], input: [UInt8]) async throws(HostError) -> CommandOutput {
        guard let executable = command.first else {
            throw HostError(host: host, code: .commandFailed, message: "empty command")
        }
        do {
            return try await Spawn.hostCommand(executable, Array(command.dropFirst()), input: input)
        } catch {
            throw HostError(host: host, code: .commandFailed, message: "cannot run \(executable): \(error)")
        }
    }

    public func forwardSocket(_ path: String) async throws(HostError) -> String {
        try resolve(path)
    }

    public func releaseSocket(_ localPath: String) async {}
}
