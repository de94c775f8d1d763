public import Foundation
import SwiftASN1
import X509

/// What a placed or sealed certificate says, read from its public PEM
/// (no key needed): its validity, its names, and whether a key is its.
public struct TLSCertificateFacts: Sendable, Hashable {
    public var commonName: String?
    public var dnsNames: [String]
    public var notValidBefore: Date
    public var notValidAfter: Date
    /// Issuer and subject are the same name: made by `keys tls`, not a CA.
    public var isSelfIssued: Bool
    /// The leaf's SubjectPublicKeyInfo, DER.
    public var publicKeyInfo: [UInt8]

    /// The first certificate of a PEM chain (the leaf, as nginx wants it).
    public init(chainPEM: String) throws(KeyError) {
        let leaf: Certificate
        do {
            guard
                let first = try PEMDocument.parseMultiple(pemString: chainPEM).first(where: {
                    $0.discriminator == "CERTIFICATE"
                })
            else {
                throw KeyError(code: .certificate, message: "holds no PEM certificate")
            }
            leaf = try Certificate(pemDocument: first)
        } catch let error as KeyError {
            throw error
        } catch {
            throw KeyError(code: .certificate, message: "holds a certificate that does not parse: \(error)")
        }
        commonName = leaf.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.map {
            String(describing: $0.value)
        }
        dnsNames =
            (try? leaf.extensions.subjectAlternativeNames)??.compactMap {
                if case .dnsName(let name) = $0 { return name }
                return nil
            } ?? []
        notValidBefore = leaf.notValidBefore
        notValidAfter = leaf.notValidAfter
        isSelfIssued = leaf.issuer == leaf.subject
        publicKeyInfo = Array(leaf.publicKey.subjectPublicKeyInfoBytes)
    }

    /// Whether `keyPEM` is the private key of this certificate.
    public func isCertified(keyPEM: String) -> Bool {
        guard let key = try? Certificate.PrivateKey(pemEncoded: keyPEM),
            case let info = Array(key.publicKey.subjectPublicKeyInfoBytes)
        else { return false }
        return !publicKeyInfo.isEmpty && info == publicKeyInfo
    }

    /// Whole days from `now` to expiry: negative once expired.
    public func daysLeft(at now: Date) -> Int {
        Int((notValidAfter.timeIntervalSince(now) / 86_400).rounded(.down))
    }
}
