import Foundation
import OnionOpsHosts
import OnionOpsTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starts a real tor offline (no network, no SOCKS port) with one
/// HiddenServiceDir, waits for it to write `hostname`, and stops it.
enum TorProcess {
    static let binary = "/usr/sbin/tor"

    /// Runs tor on `serviceDir` (created 0700 if missing) until `hostname`
    /// appears, at most `timeout` seconds; returns tor's files afterwards.
    static func runOnce(serviceDir: String, scratch: TemporaryFolder, timeout: Double = 10) throws -> [String: [UInt8]]
    {
        let fileManager = FileManager.default
        let dataDir = scratch.path + "/tor-data"
        for dir in [dataDir, serviceDir] where !fileManager.fileExists(atPath: dir) {
            try fileManager.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        for dir in [dataDir, serviceDir] {
            try fileManager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dir)
        }
        let torrc = try scratch.write(
            "torrc",
            """
            SocksPort 0
            DisableNetwork 1
            DataDirectory \(dataDir)
            Log notice file \(scratch.path)/tor.log
            HiddenServiceDir \(serviceDir)
            HiddenServicePort 80 127.0.0.1:1

            """
        )
        let defaults = try scratch.write("torrc-defaults", "")
        let pid = try spawn(binary, ["-f", torrc, "--defaults-torrc", defaults, "--RunAsDaemon", "0"])
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        let hostname = serviceDir + "/hostname"
        let deadline = Date().addingTimeInterval(timeout)
        while !fileManager.fileExists(atPath: hostname) {
            guard isRunning(pid), Date() < deadline else {
                let log = (try? String(contentsOfFile: scratch.path + "/tor.log", encoding: .utf8)) ?? ""
                throw Tool.ToolFailure(message: "tor wrote no hostname within \(timeout) s; log:\n\(log)")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        // hostname is written last of the three, but wait for a complete line.
        while Date() < deadline, (fileManager.contents(atPath: hostname) ?? Data()).last != UInt8(ascii: "\n") {
            Thread.sleep(forTimeInterval: 0.01)
        }
        var files: [String: [UInt8]] = [:]
        for name in try fileManager.contentsOfDirectory(atPath: serviceDir) {
            if let data = fileManager.contents(atPath: serviceDir + "/" + name) { files[name] = Array(data) }
        }
        return files
    }

    /// Through the shared posix_spawn runner: Foundation's Process did not
    /// return from run() for a child that keeps running here.
    private static func spawn(_ path: String, _ arguments: [String]) throws -> pid_t {
        try Spawn.start(path, arguments, stdoutPath: "/dev/null", stderrPath: "/dev/null")
    }

    private static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }
}
