import Foundation
import OnionOpsKeys
import OnionOpsTestSupport
import Testing
import X509

@Suite struct TLSCertificateFactoryTests {
    /// 2030-01-01T00:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_893_456_000)

    @Test func opensslReadsNamesAndValidity() throws {
        let onion = OnionKey.generate().address
        let made = try TLSCertificateFactory(lifetimeDays: 30)
            .makeCertificate(for: onion, subdomains: ["www", "a.b", "www"], now: Self.now)
        #expect(made.dnsNames == ["\(onion)", "*.\(onion)", "www.\(onion)", "a.b.\(onion)"])
        #expect(made.notValidBefore == Self.now.addingTimeInterval(-3600))
        #expect(made.notValidAfter == Self.now.addingTimeInterval(30 * 86_400))

        let scratch = try TemporaryFolder(prefix: "oo-tls")
        defer { scratch.remove() }
        let certPath = try scratch.write("cert.pem", made.certificatePEM)
        let keyPath = try scratch.write("key.pem", made.privateKeyPEM)

        let text = try Tool.run("/usr/bin/openssl", ["x509", "-noout", "-text", "-in", certPath])
        #expect(text.status == 0, "\(text.stderr)")
        let sans = "DNS:\(onion), DNS:*.\(onion), DNS:www.\(onion), DNS:a.b.\(onion)"
        #expect(text.stdout.contains(sans))
        #expect(text.stdout.contains("Not Before: Dec 31 23:00:00 2029 GMT"))
        #expect(text.stdout.contains("Not After : Jan 31 00:00:00 2030 GMT"))
        #expect(text.stdout.contains("Subject: CN=\(onion)") || text.stdout.contains("Subject: CN = \(onion)"))
        #expect(text.stdout.contains("id-ecPublicKey"))
        #expect(text.stdout.contains("prime256v1"))
        #expect(text.stdout.contains("ecdsa-with-SHA256"))
        #expect(text.stdout.contains("CA:FALSE"))
        #expect(text.stdout.contains("TLS Web Server Authentication"))

        // The key is the certificate's, and the self-signature verifies.
        let certKey = try Tool.run("/usr/bin/openssl", ["x509", "-noout", "-pubkey", "-in", certPath])
        let privateKey = try Tool.run("/usr/bin/openssl", ["pkey", "-pubout", "-in", keyPath])
        #expect(privateKey.status == 0, "\(privateKey.stderr)")
        #expect(!certKey.stdout.isEmpty && certKey.stdout == privateKey.stdout)
        let verify = try Tool.run(
            "/usr/bin/openssl",
            ["verify", "-partial_chain", "-attime", "1893456000", "-CAfile", certPath, certPath]
        )
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    @Test func eachCertificateHasItsOwnKey() throws {
        let onion = OnionKey.generate().address
        let factory = TLSCertificateFactory()
        let first = try factory.makeCertificate(for: onion, now: Self.now)
        let second = try factory.makeCertificate(for: onion, now: Self.now)
        #expect(first.privateKeyPEM != second.privateKeyPEM)
        #expect(first.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(first.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(first.notValidAfter == Self.now.addingTimeInterval(365 * 86_400))
    }

    /// The PEM is written by our own base64 wrapping (faster); it must be
    /// what swift-certificates itself writes, byte for byte.
    @Test func pemIsSwiftCertificatesOwnForm() throws {
        let made = try TLSCertificateFactory().makeCertificate(
            for: OnionKey.generate().address, subdomains: ["www"], now: Self.now)
        let parsed = try Certificate(pemEncoded: made.certificatePEM)
        #expect(made.certificatePEM == (try parsed.serializeAsPEM().pemString))
    }

    @Test func lifetimeBelowOneDayIsRefused() {
        let onion = OnionKey.generate().address
        #expect(throws: KeyError.self) {
            try TLSCertificateFactory(lifetimeDays: 0).makeCertificate(for: onion, now: Self.now)
        }
    }
}
