import Foundation
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

    /// posix_spawn with a clean signal mask and default handlers. Not
    /// Foundation's Process: its run() did not return for a child that
    /// keeps running, and the child inherited a mask that blocks SIGTERM.
    private static func spawn(_ path: String, _ arguments: [String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var files = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&files)
        defer { posix_spawn_file_actions_destroy(&files) }
        posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&files, 2, "/dev/null", O_WRONLY, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &files, &attributes, argv, environ)
        guard rc == 0 else { throw Tool.ToolFailure(message: "cannot start \(path): error \(rc)") }
        return pid
    }

    private static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }
}
