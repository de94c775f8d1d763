import Foundation
import OnionOpsHosts

/// An EOTK/Onionspray installation for `import` tests: onion keys made by
/// tor itself in `secrets.d/` (EOTK's `<onion>.v3sec.key` and `.v3pub.key`),
/// certificates made by openssl the ways EOTK's folders hold them, and
/// project files written by the test.
public struct EOTKInstallation: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/secrets.d", withIntermediateDirectories: true)
    }

    /// `count` onion services started by tor with no network: at start tor
    /// writes each one's `hs_ed25519_secret_key`, public key and `hostname`,
    /// which are copied into `secrets.d/` as EOTK names them. Returns the
    /// addresses (`<56>.onion`), in tor's own `hostname` words.
    public func torMadeOnions(_ count: Int) async throws -> [String] {
        let work = root + "/.tor-keygen"
        let folders = (1...count).map { "\(work)/hs-\($0)" }
        var torrc = ["DataDirectory \(work)/data", "DisableNetwork 1", "SocksPort 0", "Log notice stdout"]
        for folder in folders { torrc += ["HiddenServiceDir \(folder)", "HiddenServicePort 80 127.0.0.1:9"] }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try (torrc.joined(separator: "\n") + "\n").write(toFile: work + "/torrc", atomically: true, encoding: .utf8)
        let onions: [String] = try await BlockingPool.shared.run {
            let tor = try BackgroundProcess("/usr/bin/tor", ["-f", work + "/torrc"], log: work + "/tor.log")
            defer { tor.stop() }
            let made = tor.wait(upTo: 30) {
                folders.allSatisfy { FileManager.default.fileExists(atPath: $0 + "/hostname") }
            }
            guard made else { throw TestNetwork.Failure(description: "tor made no onion keys:\n\(tor.log)") }
            return try folders.map { folder in
                try String(contentsOfFile: folder + "/hostname", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)
            }
        }
        for (folder, onion) in zip(folders, onions) {
            let bare = String(onion.dropLast(".onion".count))
            try FileManager.default.copyItem(
                atPath: folder + "/hs_ed25519_secret_key", toPath: "\(root)/secrets.d/\(bare).v3sec.key")
            try FileManager.default.copyItem(
                atPath: folder + "/hs_ed25519_public_key", toPath: "\(root)/secrets.d/\(bare).v3pub.key")
        }
        try FileManager.default.removeItem(atPath: work)
        return onions
    }

    public func write(_ relative: String, _ text: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    public enum KeyForm: Sendable {
        /// `openssl ecparam -genkey`: an `EC PARAMETERS` block, then SEC1.
        case ecWithParameters
        /// `openssl genrsa -traditional`: PKCS#1.
        case rsaPKCS1
    }

    /// A certificate for `onions` (and `*.<onion>`) in `folder` as
    /// `<base>.cert` and `<base>.pem`; self-signed, or signed by a test CA
    /// made beside it.
    public func certificate(onions: [String], folder: String, base: String, key: KeyForm, caIssued: Bool) async throws {
        let dir = root + "/" + folder
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let keyFile = "\(dir)/\(base).pem"
        let certFile = "\(dir)/\(base).cert"
        switch key {
        case .ecWithParameters:
            try await Self.openssl(["ecparam", "-genkey", "-name", "prime256v1", "-out", keyFile])
        case .rsaPKCS1:
            try await Self.openssl(["genrsa", "-traditional", "-out", keyFile, "2048"])
        }
        let names = onions.flatMap { ["DNS:\($0)", "DNS:*.\($0)"] }.joined(separator: ",")
        let subject = "/CN=\(onions[0])"
        if caIssued {
            let ca = root + "/.test-ca"
            try FileManager.default.createDirectory(atPath: ca, withIntermediateDirectories: true)
            try await Self.openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                ca + "/ca.key", "-out", ca + "/ca.crt", "-subj", "/CN=OnionOps Test CA", "-days", "30",
            ])
            try await Self.openssl(["req", "-new", "-key", keyFile, "-subj", subject, "-out", ca + "/leaf.csr"])
            try "subjectAltName=\(names)\n".write(toFile: ca + "/ext", atomically: true, encoding: .utf8)
            try await Self.openssl([
                "x509", "-req", "-in", ca + "/leaf.csr", "-CA", ca + "/ca.crt", "-CAkey", ca + "/ca.key",
                "-CAcreateserial", "-days", "30", "-extfile", ca + "/ext", "-out", certFile,
            ])
            // EOTK's .cert holds the chain: leaf, then the CA.
            let chain =
                try String(contentsOfFile: certFile, encoding: .utf8)
                + String(contentsOfFile: ca + "/ca.crt", encoding: .utf8)
            try chain.write(toFile: certFile, atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(atPath: ca)
        } else {
            try await Self.openssl([
                "req", "-new", "-x509", "-key", keyFile, "-subj", subject, "-addext", "subjectAltName=\(names)",
                "-days",
                "30", "-out", certFile,
            ])
        }
    }

    private static func openssl(_ arguments: [String]) async throws {
        let result = try await Command.runAsync("/usr/bin/openssl", arguments)
        guard result.succeeded else {
            throw TestNetwork.Failure(description: "openssl \(arguments.joined(separator: " ")): \(result.output)")
        }
    }
}
