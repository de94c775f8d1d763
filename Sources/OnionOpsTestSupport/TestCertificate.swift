public import Foundation

/// A throwaway self-signed certificate made with openssl, for tests that
/// need TLS files in place (nginx refuses to start without them).
public struct TestCertificate: Sendable {
    public var certificatePEM: Data
    public var keyPEM: Data

    /// `alternativeNames` become DNS subjectAltNames, so a verifying client
    /// (nginx with proxy_ssl_verify) can trust the certificate by name.
    public static func make(commonName: String = "onionops-test", alternativeNames: [String] = []) throws
        -> TestCertificate
    {
        let folder = try TemporaryFolder(prefix: "oo-cert")
        defer { folder.remove() }
        let result = try Command.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", folder.path + "/key.pem", "-out", folder.path + "/cert.pem", "-days", "2",
                "-subj", "/CN=\(commonName)",
            ]
                + (alternativeNames.isEmpty
                    ? []
                    : ["-addext", "subjectAltName=" + alternativeNames.map { "DNS:" + $0 }.joined(separator: ",")])
        )
        guard result.succeeded else { throw SandboxTree.Failure(description: "openssl: \(result.output)") }
        return TestCertificate(
            certificatePEM: try Data(contentsOf: URL(fileURLWithPath: folder.path + "/cert.pem")),
            keyPEM: try Data(contentsOf: URL(fileURLWithPath: folder.path + "/key.pem"))
        )
    }
}
