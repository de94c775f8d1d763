import Foundation
import OnionOpsHosts

/// Runs a helper program (curl) and captures what it printed.
enum Run {
    struct Output {
        var exitCode: Int32
        var stdout: String
        var stderr: String
    }

    static func capture(_ executable: String, _ arguments: [String]) throws -> Output {
        let folder = FileManager.default.temporaryDirectory.path + "/onionops-run-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let status = try Spawn.run(
            executable, arguments, stdoutPath: folder + "/out", stderrPath: folder + "/err")
        return Output(
            exitCode: status,
            stdout: (try? String(contentsOfFile: folder + "/out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: folder + "/err", encoding: .utf8)) ?? ""
        )
    }
}
