import Crypto
public import Foundation
public import OnionOpsCore
import SwiftASN1
import X509

/// A certificate and its private key, both PEM.
public struct TLSCertificate: Sendable, Hashable {
    /// `-----BEGIN CERTIFICATE-----`.
    public var certificatePEM: String
    /// PKCS#8, `-----BEGIN PRIVATE KEY-----`: plaintext key material.
    public var privateKeyPEM: String
    /// The subjectAltName DNS names, in certificate order.
    public var dnsNames: [String]
    public var notValidBefore: Date
    public var notValidAfter: Date
}

/// Self-signed ECDSA P-256 certificates for onion sites, made in-process
/// with swift-certificates (no process per certificate).
///
/// Subject and issuer are `CN=<onion>`; the names are the onion,
/// `*.<onion>` and each listed subdomain (`www.<onion>`; a wildcard covers
/// one label only, so deeper ones like `a.b` need their own entry). The
/// certificate is valid from one hour before `now` (hosts' clocks differ a
/// little) to `lifetimeDays` after it.
public struct TLSCertificateFactory: Sendable {
    public var lifetimeDays: Int
    /// How far before `now` the certificate becomes valid.
    public static let backdate: TimeInterval = 3600

    public init(lifetimeDays: Int = 365) {
        self.lifetimeDays = lifetimeDays
    }

    /// The DNS names a certificate for `onion` carries.
    public static func dnsNames(for onion: OnionAddress, subdomains: [String]) -> [String] {
        let base = onion.description
        var names = [base, "*.\(base)"]
        for subdomain in subdomains {
            let name = "\(subdomain).\(base)"
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// `-----BEGIN CERTIFICATE-----`, base64 in lines of 64. Foundation's
    /// encoder, not swift-asn1's `pemString`, which spent more time here
    /// than the certificate's signature.
    static func pem(_ certificate: Certificate) throws -> String {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let body = Data(serializer.serializedBytes).base64EncodedString(options: [
            .lineLength64Characters, .endLineWithLineFeed,
        ])
        return "-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----"
    }

    /// A new key pair and a certificate for it. `now` is injected so tests
    /// (and dry runs) control the validity window.
    public func makeCertificate(
        for onion: OnionAddress,
        subdomains: [String] = [],
        now: Date
    ) throws(KeyError) -> TLSCertificate {
        guard lifetimeDays >= 1 else {
            throw KeyError(code: .badLifetime, message: "a certificate lifetime is at least 1 day, not \(lifetimeDays)")
        }
        let names = Self.dnsNames(for: onion, subdomains: subdomains)
        let notBefore = now.addingTimeInterval(-Self.backdate)
        let notAfter = now.addingTimeInterval(TimeInterval(lifetimeDays) * 86_400)
        // swift-crypto's default makes a compact-representable key, which
        // retries about half of all keys; TLS has no use for that form.
        let key = P256.Signing.PrivateKey(compactRepresentable: false)
        do {
            let name = try DistinguishedName { CommonName(onion.description) }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
            }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: notBefore,
                notValidAfter: notAfter,
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions,
                issuerPrivateKey: Certificate.PrivateKey(key)
            )
            return TLSCertificate(
                certificatePEM: try Self.pem(certificate),
                privateKeyPEM: key.pemRepresentation,
                dnsNames: names,
                notValidBefore: certificate.notValidBefore,
                notValidAfter: certificate.notValidAfter
            )
        } catch {
            throw KeyError(code: .certificate, message: "cannot make a certificate for \(onion): \(error)")
        }
    }
}
