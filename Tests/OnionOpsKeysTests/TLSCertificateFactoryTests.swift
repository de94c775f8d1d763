import Foundation
import OnionOpsCore
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
        #expect(
            made.dnsNames == [
                "\(onion)", "*.\(onion)", "www.\(onion)", "*.www.\(onion)", "a.b.\(onion)", "*.a.b.\(onion)",
            ])
        #expect(made.notValidBefore == Self.now.addingTimeInterval(-3600))
        #expect(made.notValidAfter == Self.now.addingTimeInterval(30 * 86_400))

        let scratch = try TemporaryFolder(prefix: "oo-tls")
        defer { scratch.remove() }
        let certPath = try scratch.write("cert.pem", made.certificatePEM)
        let keyPath = try scratch.write("key.pem", made.privateKeyPEM)

        let text = try Tool.run("/usr/bin/openssl", ["x509", "-noout", "-text", "-in", certPath])
        #expect(text.status == 0, "\(text.stderr)")
        let sans =
            "DNS:\(onion), DNS:*.\(onion), DNS:www.\(onion), DNS:*.www.\(onion), DNS:a.b.\(onion), DNS:*.a.b.\(onion)"
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

    static let subject = CertificateSubject(
        organization: "Example News", organizationalUnit: "Onion Services", country: "NO", locality: "Oslo",
        state: "Viken")

    /// Each site's names in site order, each once; CN the first onion.
    @Test func umbrellaNamesCoverEveryOnionAndListedSubdomain() throws {
        let first = OnionKey.generate().address
        let second = OnionKey.generate().address
        let names = TLSCertificateFactory.dnsNames(for: [(first, ["www"]), (second, []), (first, ["www"])])
        #expect(names == ["\(first)", "*.\(first)", "www.\(first)", "*.www.\(first)", "\(second)", "*.\(second)"])
        let made = try TLSCertificateFactory(lifetimeDays: 30, subject: Self.subject)
            .makeCertificate(commonName: first.description, dnsNames: names, now: Self.now)
        let facts = try TLSCertificateFacts(chainPEM: made.certificatePEM)
        #expect(facts.dnsNames == names)
        #expect(facts.commonName == first.description)
        #expect(facts.isSelfIssued)
        #expect(facts.isCertified(keyPEM: made.privateKeyPEM))
    }

    /// The subject fields and the names reach the request; openssl checks
    /// its signature.
    @Test func requestVerifiesWithOpenSSL() throws {
        let onion = OnionKey.generate().address
        let factory = TLSCertificateFactory(subject: Self.subject)
        let names = TLSCertificateFactory.dnsNames(for: onion, subdomains: ["www"])
        let made = try factory.makeCertificate(commonName: onion.description, dnsNames: names, now: Self.now)
        let request = try factory.makeRequest(
            commonName: onion.description, dnsNames: names, keyPEM: made.privateKeyPEM)
        #expect(request.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"))

        let scratch = try TemporaryFolder(prefix: "oo-csr")
        defer { scratch.remove() }
        let path = try scratch.write("req.pem", request)
        let text = try Tool.run("/usr/bin/openssl", ["req", "-verify", "-noout", "-text", "-in", path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stderr.contains("verify OK") || text.stdout.contains("verify OK"), "\(text.stderr)")
        #expect(
            text.stdout.contains(
                "Subject: C = NO, ST = Viken, L = Oslo, O = Example News, OU = Onion Services, CN = \(onion)"),
            "\(text.stdout)")
        #expect(text.stdout.contains("DNS:\(onion), DNS:*.\(onion), DNS:www.\(onion), DNS:*.www.\(onion)"))
        // The request is for the sealed key, not a new one.
        let requestKey = try Tool.run("/usr/bin/openssl", ["req", "-noout", "-pubkey", "-in", path])
        let keyPath = try scratch.write("key.pem", made.privateKeyPEM)
        let ownKey = try Tool.run("/usr/bin/openssl", ["pkey", "-pubout", "-in", keyPath])
        #expect(!requestKey.stdout.isEmpty && requestKey.stdout == ownKey.stdout)
    }

    /// A renewal keeps the key (see `keys tls --renew`) and moves the
    /// window; openssl reads the new dates.
    @Test func renewalKeepsTheKey() throws {
        let onion = OnionKey.generate().address
        let factory = TLSCertificateFactory(lifetimeDays: 30)
        let old = try factory.makeCertificate(for: onion, now: Self.now)
        let later = Self.now.addingTimeInterval(20 * 86_400)
        let renewed = try factory.makeCertificate(
            commonName: onion.description, dnsNames: old.dnsNames, keyPEM: old.privateKeyPEM, now: later)
        #expect(renewed.privateKeyPEM == old.privateKeyPEM)
        #expect(renewed.certificatePEM != old.certificatePEM)
        #expect(try TLSCertificateFacts(chainPEM: renewed.certificatePEM).isCertified(keyPEM: old.privateKeyPEM))

        let scratch = try TemporaryFolder(prefix: "oo-renew")
        defer { scratch.remove() }
        let path = try scratch.write("cert.pem", renewed.certificatePEM)
        let dates = try Tool.run("/usr/bin/openssl", ["x509", "-noout", "-dates", "-in", path])
        #expect(dates.status == 0, "\(dates.stderr)")
        #expect(dates.stdout.contains("notAfter=Feb 20 00:00:00 2030 GMT"), "\(dates.stdout)")
    }

    @Test func anotherKeyIsNotCertified() throws {
        let onion = OnionKey.generate().address
        let factory = TLSCertificateFactory()
        let one = try factory.makeCertificate(for: onion, now: Self.now)
        let other = try factory.makeCertificate(for: onion, now: Self.now)
        let facts = try TLSCertificateFacts(chainPEM: one.certificatePEM)
        #expect(facts.isCertified(keyPEM: one.privateKeyPEM))
        #expect(!facts.isCertified(keyPEM: other.privateKeyPEM))
        #expect(!facts.isCertified(keyPEM: "not a key"))
        #expect(throws: KeyError.self) { try TLSCertificateFacts(chainPEM: "no certificate here") }
    }

    struct ExpiryCase: Sendable, CustomTestStringConvertible {
        var daysBeforeExpiry: Double
        var expected: CertificateExpiry.Severity?
        var testDescription: String { "\(daysBeforeExpiry) days before expiry: \(expected?.rawValue ?? "nothing")" }
    }

    /// Warn within 30 days, error once expired, nothing before.
    @Test(
        arguments: [
            ExpiryCase(daysBeforeExpiry: 31, expected: nil),
            ExpiryCase(daysBeforeExpiry: 30.5, expected: nil),
            ExpiryCase(daysBeforeExpiry: 29.9, expected: .warning),
            ExpiryCase(daysBeforeExpiry: 1, expected: .warning),
            ExpiryCase(daysBeforeExpiry: 0, expected: .error),
            ExpiryCase(daysBeforeExpiry: -5, expected: .error),
        ])
    func expiryWarnings(_ testCase: ExpiryCase) throws {
        let made = try TLSCertificateFactory(lifetimeDays: 90)
            .makeCertificate(for: OnionKey.generate().address, now: Self.now)
        let facts = try TLSCertificateFacts(chainPEM: made.certificatePEM)
        let now = made.notValidAfter.addingTimeInterval(-testCase.daysBeforeExpiry * 86_400)
        let expiry = CertificateExpiry.check(facts, subject: "x.onion", now: now, withinDays: 30)
        #expect(expiry?.severity == testCase.expected)
        if let expiry {
            #expect(expiry.description.contains("x.onion") && expiry.description.contains("2030-04-01T00:00:00Z"))
        }
    }
}
