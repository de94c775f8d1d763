import Crypto
import Foundation
import SwiftASN1
import X509

/// The form Chromium's `--ignore-certificate-errors-spki-list` takes: the
/// base64 SHA-256 of a certificate's DER SubjectPublicKeyInfo.
public enum CertificatePin {
    public static func spkiSHA256(certificatePEM: String) throws -> String {
        let certificate = try Certificate(pemEncoded: certificatePEM)
        var serializer = DER.Serializer()
        try serializer.serialize(certificate.publicKey)
        return Data(SHA256.hash(data: serializer.serializedBytes)).base64EncodedString()
    }
}
