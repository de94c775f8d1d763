import Foundation
import OnionOpsKeys
import Testing

@Suite struct PlaintextKeyDetectorTests {
    func detect(_ text: String) -> PlaintextKeyDetector.Kind? { PlaintextKeyDetector.detect(Array(text.utf8)) }

    @Test func torSecretKeysAtAnyLength() {
        let file = OnionKey.generate().torSecretKeyFile
        #expect(PlaintextKeyDetector.detect(file) == .torSecretKey)
        #expect(PlaintextKeyDetector.detect(Array(file.prefix(40))) == .torSecretKey)
        #expect(PlaintextKeyDetector.detect(Array(file.prefix(32))) == .torSecretKey)
    }

    @Test func pemPrivateKeysAnywhere() throws {
        #expect(detect("-----BEGIN PRIVATE KEY-----\nMIG...\n-----END PRIVATE KEY-----\n") == .pemPrivateKey)
        #expect(detect("-----BEGIN EC PRIVATE KEY-----\n") == .pemPrivateKey)
        #expect(detect("-----BEGIN RSA PRIVATE KEY-----\n") == .pemPrivateKey)
        #expect(detect("-----BEGIN OPENSSH PRIVATE KEY-----\n") == .pemPrivateKey)
        #expect(detect("-----BEGIN ENCRYPTED PRIVATE KEY-----") == .pemPrivateKey)
        #expect(detect("tls:\n  key: |\n    -----BEGIN PRIVATE KEY-----\n    abc\n") == .pemPrivateKey)
        let made = try TLSCertificateFactory().makeCertificate(for: OnionKey.generate().address, now: Date())
        #expect(detect(made.privateKeyPEM) == .pemPrivateKey)
        #expect(detect(made.certificatePEM + made.privateKeyPEM) == .pemPrivateKey)
    }

    @Test func publicMaterialIsNotAKey() throws {
        let key = OnionKey.generate()
        #expect(PlaintextKeyDetector.detect(key.torPublicKeyFile) == nil)
        #expect(PlaintextKeyDetector.detect(key.hostnameFile) == nil)
        let made = try TLSCertificateFactory().makeCertificate(for: key.address, now: Date())
        #expect(detect(made.certificatePEM) == nil)
        #expect(detect("-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n") == nil)
        // PRIVATE KEY on a later line does not complete a BEGIN line.
        #expect(detect("-----BEGIN CERTIFICATE-----\nPRIVATE KEY-----\n") == nil)
        #expect(detect("apiVersion: onionops/v1\nkind: Host\n") == nil)
        #expect(PlaintextKeyDetector.detect([]) == nil)
        #expect(detect("-----BEGIN ") == nil)
        // Sealed is fine.
        #expect(detect("age-encryption.org/v1\n-> X25519 abc\n") == nil)
    }
}
