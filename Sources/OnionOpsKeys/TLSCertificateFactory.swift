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

/// Self-signed ECDSA P-256 certificates and certificate signing requests
/// for onion sites, made in-process with swift-certificates (no process
/// per certificate).
///
/// Subject and issuer are `CN=<onion>` (the first onion of an umbrella
/// certificate) plus the project's subject fields; the names are each
/// onion, `*.<onion>`, and for each listed subdomain `<sub>.<onion>` and
/// `*.<sub>.<onion>` (a wildcard covers one label only). The certificate
/// is valid from one hour before `now` (hosts' clocks differ a little) to
/// `lifetimeDays` after it.
public struct TLSCertificateFactory: Sendable {
    public var lifetimeDays: Int
    public var subject: CertificateSubject
    /// How far before `now` the certificate becomes valid.
    public static let backdate: TimeInterval = 3600

    public init(lifetimeDays: Int = 365, subject: CertificateSubject = CertificateSubject()) {
        self.lifetimeDays = lifetimeDays
        self.subject = subject
    }

    /// The DNS names a certificate for `onion` carries.
    public static func dnsNames(for onion: OnionAddress, subdomains: [String]) -> [String] {
        let base = onion.description
        var names = [base, "*.\(base)"]
        for subdomain in subdomains {
            for name in ["\(subdomain).\(base)", "*.\(subdomain).\(base)"] where !names.contains(name) {
                names.append(name)
            }
        }
        return names
    }

    /// The DNS names of an umbrella certificate: every site's names, in
    /// site order, each once.
    public static func dnsNames(for sites: [(onion: OnionAddress, subdomains: [String])]) -> [String] {
        var names: [String] = []
        var seen: Set<String> = []
        for site in sites {
            for name in dnsNames(for: site.onion, subdomains: site.subdomains) where seen.insert(name).inserted {
                names.append(name)
            }
        }
        return names
    }

    /// `-----BEGIN <label>-----`, base64 in lines of 64. Foundation's
    /// encoder, not swift-asn1's `pemString`, which spent more time here
    /// than the certificate's signature.
    static func pem(_ value: some DERSerializable, label: String = "CERTIFICATE") throws -> String {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        let body = Data(serializer.serializedBytes).base64EncodedString(options: [
            .lineLength64Characters, .endLineWithLineFeed,
        ])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----"
    }

    /// A new key pair and a certificate for it. `now` is injected so tests
    /// (and dry runs) control the validity window.
    public func makeCertificate(
        for onion: OnionAddress,
        subdomains: [String] = [],
        now: Date
    ) throws(KeyError) -> TLSCertificate {
        try makeCertificate(
            commonName: onion.description, dnsNames: Self.dnsNames(for: onion, subdomains: subdomains), now: now)
    }

    /// A certificate for `dnsNames`, with the key in `keyPEM` (a renewal
    /// keeps its key) or a new one.
    public func makeCertificate(
        commonName: String, dnsNames names: [String], keyPEM: String? = nil, now: Date
    ) throws(KeyError) -> TLSCertificate {
        guard lifetimeDays >= 1 else {
            throw KeyError(code: .badLifetime, message: "a certificate lifetime is at least 1 day, not \(lifetimeDays)")
        }
        let notBefore = now.addingTimeInterval(-Self.backdate)
        let notAfter = now.addingTimeInterval(TimeInterval(lifetimeDays) * 86_400)
        let key = try Self.signingKey(keyPEM)
        do {
            let name = try distinguishedName(commonName: commonName)
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
                privateKeyPEM: keyPEM ?? key.pemRepresentation,
                dnsNames: names,
                notValidBefore: certificate.notValidBefore,
                notValidAfter: certificate.notValidAfter
            )
        } catch {
            throw KeyError(code: .certificate, message: "cannot make a certificate for \(commonName): \(error)")
        }
    }

    /// A PKCS#10 request (PEM) for a CA to issue a certificate for
    /// `dnsNames` to the key in `keyPEM`: the subject as in a self-signed
    /// certificate, the names in a subjectAltName extension request.
    public func makeRequest(commonName: String, dnsNames names: [String], keyPEM: String) throws(KeyError) -> String {
        let key = try Self.signingKey(keyPEM)
        do {
            let extensions = try Certificate.Extensions {
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
            }
            let request = try CertificateSigningRequest(
                version: .v1,
                subject: try distinguishedName(commonName: commonName),
                privateKey: Certificate.PrivateKey(key),
                attributes: CertificateSigningRequest.Attributes([
                    try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions))
                ]),
                signatureAlgorithm: .ecdsaWithSHA256
            )
            return try Self.pem(request, label: "CERTIFICATE REQUEST")
        } catch {
            throw KeyError(code: .certificate, message: "cannot make a request for \(commonName): \(error)")
        }
    }

    private func distinguishedName(commonName: String) throws -> DistinguishedName {
        let subject = subject
        return try DistinguishedName {
            if let country = subject.country { CountryName(country) }
            if let state = subject.state { StateOrProvinceName(state) }
            if let locality = subject.locality { LocalityName(locality) }
            if let organization = subject.organization { OrganizationName(organization) }
            if let unit = subject.organizationalUnit { OrganizationalUnitName(unit) }
            CommonName(commonName)
        }
    }

    /// The P-256 key in `pem` (PKCS#8 or SEC 1), or a new one.
    static func signingKey(_ pem: String?) throws(KeyError) -> P256.Signing.PrivateKey {
        guard let pem else {
            // swift-crypto's default makes a compact-representable key,
            // which retries about half of all keys; TLS has no use for it.
            return P256.Signing.PrivateKey(compactRepresentable: false)
        }
        do {
            return try P256.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            // Never the key's text: only what it is not.
            throw KeyError(
                code: .certificate, message: "the sealed TLS key is not an ECDSA P-256 key OnionOps can sign with")
        }
    }
}
