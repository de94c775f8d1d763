import Foundation
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A real tor, offline (`DisableNetwork 1`), observed and reloaded through
/// its control socket with cookie authentication.
@Suite("tor control socket")
struct TorControlTests {
    static func torrc(_ folder: String, services: [String]) -> String {
        var text = """
            SocksPort 0
            DisableNetwork 1
            DataDirectory \(folder)/data
            ControlSocket \(folder)/run/control.sock
            CookieAuthentication 1
            Log notice file \(folder)/tor.log

            """
        for service in services {
            text += "HiddenServiceDir \(folder)/\(service)\nHiddenServicePort 80 unix:\(folder)/run/\(service).sock\n"
        }
        return text
    }

    @Test("observe version and hidden services; LOADCONF applies a good config and refuses a bad one")
    func observeAndReload() throws {
        let folder = try TemporaryFolder(prefix: "oo-tc")
        defer { folder.remove() }
        for name in ["data", "run", "hs1", "hs2"] {
            try FileManager.default.createDirectory(
                atPath: "\(folder.path)/\(name)",
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: NSNumber(value: 0o700)]
            )
        }
        let config = try folder.write("torrc", Self.torrc(folder.path, services: ["hs1"]))
        let pid = try Spawn.start(
            "/usr/sbin/tor",
            ["-f", config, "--RunAsDaemon", "0"],
            stdoutPath: folder.path + "/stdout",
            stderrPath: folder.path + "/stdout"
        )
        defer {
            kill(pid, SIGKILL)
            _ = try? Spawn.wait(pid)
        }
        let socket = folder.path + "/run/control.sock"
        let cookie = folder.path + "/data/control_auth_cookie"
        let deadline = Date().addingTimeInterval(10)
        while !(FileManager.default.fileExists(atPath: socket) && FileManager.default.fileExists(atPath: cookie)),
            Date() < deadline
        {
            Thread.sleep(forTimeInterval: 0.02)
        }

        let control = try TorControlConnection(socketPath: socket)
        try control.authenticate(cookieFile: cookie)
        let version = try control.send("GETINFO version")
        #expect(version.isOK)
        #expect(version.values["version"]?.first?.hasPrefix("0.4") == true, "\(version)")
        let configFile = try control.send("GETINFO config-file")
        #expect(configFile.values["config-file"] == [config])
        let before = try control.send("GETCONF HiddenServiceDir")
        #expect(before.values["HiddenServiceDir"] == ["\(folder.path)/hs1"])

        // A second service through LOADCONF: applied, and its key appears.
        let reload = try control.send("+LOADCONF\n" + Self.torrc(folder.path, services: ["hs1", "hs2"]))
        #expect(reload.isOK, "\(reload)")
        let after = try control.send("GETCONF HiddenServiceDir")
        #expect(after.values["HiddenServiceDir"] == ["\(folder.path)/hs1", "\(folder.path)/hs2"])
        let hostname = folder.path + "/hs2/hostname"
        let keyDeadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: hostname), Date() < keyDeadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(FileManager.default.fileExists(atPath: hostname))

        // A bad config is refused and tor keeps running on the old one.
        let bad = try control.send("+LOADCONF\nSocksPort 0\nHiddenServiceNumIntroductionPoints 99\n")
        #expect(bad.status == 552 || bad.status == 553, "\(bad)")
        #expect(kill(pid, 0) == 0, "tor exited after a refused LOADCONF")
        let still = try control.send("GETCONF HiddenServiceDir")
        #expect(still.values["HiddenServiceDir"]?.count == 2)
    }
}
