public import Foundation

/// A certificate that expires soon or has expired, for `drift`, `status`
/// and `keys tls --renew`.
public struct CertificateExpiry: Sendable, Hashable, Encodable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Encodable {
        case warning
        case error
    }

    /// The onion, or `project <name>` for an umbrella certificate.
    public var subject: String
    public var notValidAfter: Date
    public var severity: Severity

    public init(subject: String, notValidAfter: Date, severity: Severity) {
        self.subject = subject
        self.notValidAfter = notValidAfter
        self.severity = severity
    }

    /// nil while more than `withinDays` are left.
    public static func check(
        _ facts: TLSCertificateFacts, subject: String, now: Date, withinDays: Int
    ) -> CertificateExpiry? {
        if facts.notValidAfter <= now {
            return CertificateExpiry(subject: subject, notValidAfter: facts.notValidAfter, severity: .error)
        }
        guard facts.notValidAfter <= now.addingTimeInterval(TimeInterval(withinDays) * 86_400) else { return nil }
        return CertificateExpiry(subject: subject, notValidAfter: facts.notValidAfter, severity: .warning)
    }

    public var description: String {
        let date = ISO8601DateFormatter.string(
            from: notValidAfter, timeZone: TimeZone(identifier: "UTC") ?? .current,
            formatOptions: [.withInternetDateTime])
        return severity == .error
            ? "TLS certificate of \(subject) expired on \(date)"
            : "TLS certificate of \(subject) expires on \(date)"
    }
}
