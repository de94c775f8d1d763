import Foundation
import OnionOpsTestSupport
import Testing

@testable import OnionOpsHosts

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

    @Test(
        "observe version and hidden services; LOADCONF applies a good config, refuses a bad one, and takes dot-stuffed lines"
    )
    func observeAndReload() async throws {
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
            try await Task.sleep(for: .milliseconds(20))
        }

        let control = try await TorControlConnection(socketPath: socket)
        try await control.authenticate(cookieFile: cookie)
        let version = try await control.send("GETINFO version")
        #expect(version.isOK)
        #expect(version.values["version"]?.first?.hasPrefix("0.4") == true, "\(version)")
        let configFile = try await control.send("GETINFO config-file")
        #expect(configFile.values["config-file"] == [config])
        let before = try await control.send("GETCONF HiddenServiceDir")
        #expect(before.values["HiddenServiceDir"] == ["\(folder.path)/hs1"])

        // A second service through LOADCONF: applied, and its key appears.
        let reload = try await control.send("+LOADCONF\n" + Self.torrc(folder.path, services: ["hs1", "hs2"]))
        #expect(reload.isOK, "\(reload)")
        let after = try await control.send("GETCONF HiddenServiceDir")
        #expect(after.values["HiddenServiceDir"] == ["\(folder.path)/hs1", "\(folder.path)/hs2"])
        let hostname = folder.path + "/hs2/hostname"
        let keyDeadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: hostname), Date() < keyDeadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(FileManager.default.fileExists(atPath: hostname))

        // A bad config is refused and tor keeps running on the old one.
        let bad = try await control.send("+LOADCONF\nSocksPort 0\nHiddenServiceNumIntroductionPoints 99\n")
        #expect(bad.status == 552 || bad.status == 553, "\(bad)")
        #expect(kill(pid, 0) == 0, "tor exited after a refused LOADCONF")
        let still = try await control.send("GETCONF HiddenServiceDir")
        #expect(still.values["HiddenServiceDir"]?.count == 2)

        // A data line that starts with "." is dot-stuffed on the wire, so
        // tor reads it as written: here the continuation of a value.
        let dotted = try await control.send(
            "+LOADCONF\n" + Self.torrc(folder.path, services: ["hs1", "hs2"]) + "ContactInfo ops\\\n.example\n")
        #expect(dotted.isOK, "\(dotted)")
        let contact = try await control.send("GETCONF ContactInfo")
        #expect(contact.values["ContactInfo"]?.first?.contains(".example") == true, "\(contact)")
        let lone = try await control.send("+LOADCONF\n" + Self.torrc(folder.path, services: ["hs1"]) + ".\n")
        #expect(!lone.isOK, "a config line of a lone dot reaches tor as a line, not as the end of the data")
        #expect(try await control.send("GETINFO version").isOK, "the connection is still in step after a lone dot")
    }

    @Test("a control socket that accepts and never answers gives a timeout error, not a hang")
    func wedgedSocket() async throws {
        let folder = try TemporaryFolder(prefix: "oo-tw")
        defer { folder.remove() }
        let silent = try SilentUnixListener(path: folder.path + "/control.sock")
        defer { silent.close() }
        let control = try await TorControlConnection(socketPath: silent.path, timeout: .seconds(1))
        let failure = await #expect(throws: TorControlConnection.Failure.self) {
            try await control.send("GETINFO version")
        }
        #expect(failure?.code == .timedOut, "\(String(describing: failure))")
    }

    @Test("+LOADCONF data lines that start with a dot are dot-stuffed; the data ends with a lone dot")
    func dotStuffing() {
        let wire = String(decoding: TorControlConnection.encode("+LOADCONF\nA 1\n.B\n..C\n."), as: UTF8.self)
        #expect(wire == "+LOADCONF\r\nA 1\r\n..B\r\n...C\r\n..\r\n.\r\n")
        #expect(
            String(decoding: TorControlConnection.encode("GETINFO version"), as: UTF8.self) == "GETINFO version\r\n")
    }
}
