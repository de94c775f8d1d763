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

    @Test func keysAnywhereAndBase64AtAnyAlignment() throws {
        let key = OnionKey.generate().torSecretKeyFile
        #expect(PlaintextKeyDetector.detect([10] + key) == .torSecretKey)
        let encoded = Data(key).base64EncodedString()
        for prefix in ["", "a", "ab", "abc", "abcd", "# backup: ", "key="] {
            let found = PlaintextKeyDetector.find(Array((prefix + encoded).utf8))
            #expect(found == .init(kind: .torSecretKey, base64: true, line: 1), "prefix '\(prefix)'")
        }
        // Wrapped, commented, indented: only base64 characters count.
        let wrapped = stride(from: 0, to: encoded.count, by: 20).map { start -> String in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            let to = encoded.index(from, offsetBy: min(20, encoded.count - start))
            return "#   " + encoded[from..<to]
        }.joined(separator: "\n")
        #expect(detect(wrapped) == .torSecretKey)
        let urlSafe = encoded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(detect(urlSafe) == .torSecretKey)
        let pem = try TLSCertificateFactory().makeCertificate(for: OnionKey.generate().address, now: Date())
            .privateKeyPEM
        #expect(detect(Data(pem.utf8).base64EncodedString(options: .lineLength76Characters)) == .pemPrivateKey)
    }

    @Test func ageIdentitiesInEitherCase() {
        let identity = "AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSMKQRNZ"
        #expect(detect("# created: now\n" + identity + "\n") == .ageIdentity)
        #expect(detect(identity.lowercased()) == .ageIdentity)
        #expect(detect(Data(identity.utf8).base64EncodedString()) == .ageIdentity)
        #expect(detect("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p") == nil)
    }

    @Test func chunksMayCutAnywhere() throws {
        let pem = try TLSCertificateFactory().makeCertificate(for: OnionKey.generate().address, now: Date())
            .privateKeyPEM
        let text = Array((String(repeating: "padding line\n", count: 1000) + pem).utf8)
        for size in [1, 3, 7, 64, 4096] {
            var scanner = PlaintextKeyDetector.Scanner()
            var start = 0
            while start < text.count {
                scanner.feed(text[start..<min(start + size, text.count)])
                start += size
            }
            #expect(scanner.finding == .init(kind: .pemPrivateKey, base64: false, line: 1001), "chunks of \(size)")
        }
    }
}
