import OnionOpsCore
import Testing

@Suite("secret-shaped text is redacted from messages")
struct SecretRedactionTests {
    @Test(
        "keys are removed",
        arguments: [
            "AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSMKQRNZ",
            "age-secret-key-1qyqszqgpqyqszqgpqyqszqgp",
            "PT0gZWQyNTUxOXYxLXNlY3JldDogdHlwZTAgPT0AAAB4kQ7vTq2pbV9z",
            "ghp_Zx9aQ3bN7cT2mK8pL4vR6sW1yU5eH0jF3dG",
        ])
    func redacted(_ secret: String) {
        let message = "name '\(secret)' is not valid"
        #expect(SecretRedaction.redact(message) == "name '[redacted]' is not valid")
        #expect(Diagnostic.error(.invalidName, message, at: nil).message == "name '[redacted]' is not valid")
    }

    @Test("a PEM private key block is removed whole")
    func pem() {
        let text = "x -----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\ny"
        #expect(SecretRedaction.redact(text) == "x [redacted]\ny")
        let certificate = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----"
        #expect(SecretRedaction.redact(certificate) == certificate)
    }

    @Test(
        "ordinary messages are left alone",
        arguments: [
            "onion 7w5z4hi4ssfp676mebgqyg6v2z4qs5dbnssyjdgelasha5xv3gx6jbyd.onion is listed twice",
            "needs the unix socket /tmp/Sandbox2/onionops/hardmap-1/edge-1/run/onionops/p/news/tor1/control.sock",
            "unknown key 'colour' in 'spec'; expected one of: local, ssh, supervision, tor, nginx",
            "revision 0123456789abcdef0123456789abcdef01234567 applied",
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
        ])
    func untouched(_ message: String) {
        #expect(SecretRedaction.redact(message) == message)
    }

    @Test("listing: the first N, a count of the rest, and a stop always shown")
    func listing() {
        let many = (1...250).map { Diagnostic.error(.missingKey, "m \($0)", at: .start(of: "f")) }
        let stop = Diagnostic.error(.tooManyErrors, "stopped", at: .start(of: "g"))
        let listing = DiagnosticListing(many + [stop], limit: 100)
        #expect(listing.shown.count == 101)
        #expect(listing.shown.last == stop)
        #expect(listing.omittedErrors == 150)
        #expect(listing.omittedSummary == "and 150 more errors not shown (101 listed)")
        #expect(DiagnosticListing(Array(many.prefix(3))).omittedSummary == nil)
    }
}
