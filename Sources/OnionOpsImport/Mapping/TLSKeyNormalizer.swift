import Crypto
import SwiftASN1
import X509
import _CryptoExtras

/// TLS private keys as EOTK's folders hold them, made into one PKCS#8
/// `PRIVATE KEY` block: openssl's `EC PARAMETERS` block dropped, SEC1 and
/// PKCS#1 keys converted. Messages never quote the key.
enum TLSKeyNormalizer {
    struct Problem: Error { var message: String }

    static func pkcs8(_ pem: String) throws(Problem) -> String {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw Problem(message: "is not PEM")
        }
        let keys = documents.filter { $0.discriminator.hasSuffix("PRIVATE KEY") }
        guard keys.count == 1, let document = keys.first else {
            throw Problem(message: keys.isEmpty ? "holds no private key" : "holds \(keys.count) private keys")
        }
        do {
            switch document.discriminator {
            case "PRIVATE KEY":
                _ = try Certificate.PrivateKey(pemDocument: document)
                return document.pemString + "\n"
            case "EC PRIVATE KEY":
                return try Certificate.PrivateKey(pemDocument: document).serializeAsPEM().pemString + "\n"
            case "RSA PRIVATE KEY":
                return try _RSA.Signing.PrivateKey(pemRepresentation: document.pemString).pkcs8PEMRepresentation + "\n"
            case "ENCRYPTED PRIVATE KEY":
                throw Problem(message: "is encrypted; decrypt it (openssl pkcs8 -in FILE -out PLAIN) and import again")
            default:
                throw Problem(message: "holds a '\(document.discriminator)' key OnionOps cannot read")
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(message: "holds a private key that does not parse")
        }
    }
}
