import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway certificate authority for the upstream test site: nginx
/// trusts its root (`caFile`) and must accept the leaf for the site's
/// names and refuse one made out for another name.
public struct TestCertificateAuthority: Sendable {
    /// A leaf certificate and its key, both PEM.
    public struct Leaf: Sendable {
        public var names: [String]
        public var certificatePEM: String
        public var keyPEM: String
    }

    public let certificatePEM: String
    private let certificate: Certificate
    private let key: P256.Signing.PrivateKey

    /// The names the upstream test site answers for: the apex, one level,
    /// one more under `deep`, and the CDN name.
    public static let siteNames = ["example.org", "*.example.org", "*.deep.example.org", "cdn.test"]

    public init(commonName: String = "OnionOps Test CA") throws {
        key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(2 * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key)
        )
        certificatePEM = try certificate.serializeAsPEM().pemString
    }

    /// A server certificate signed by this CA for `names` (subject
    /// alternative names; the first is also the common name).
    public func leaf(for names: [String]) throws -> Leaf {
        let leafKey = P256.Signing.PrivateKey()
        let now = Date()
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(leafKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(2 * 86_400),
            issuer: certificate.subject,
            subject: try DistinguishedName { CommonName(names.first ?? "localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
            },
            issuerPrivateKey: .init(key)
        )
        return Leaf(
            names: names, certificatePEM: try leaf.serializeAsPEM().pemString, keyPEM: leafKey.pemRepresentation)
    }

    /// The leaf for every name the site serves.
    public func siteLeaf() throws -> Leaf { try leaf(for: Self.siteNames) }

    /// A leaf for a name the proxy never asks for: verification must fail.
    public func wrongNameLeaf() throws -> Leaf { try leaf(for: ["wrong.invalid"]) }
}
