import Crypto
import OnionOpsCore

/// GitHub, Gitea and GitLab (with a secret token set up as GitHub's) sign a
/// webhook's body with HMAC-SHA256 and send `X-Hub-Signature-256:
/// sha256=<hex>`.
public enum WebhookSignature {
    public static let header = "X-Hub-Signature-256"

    public static func sign(_ body: [UInt8], secret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        return "sha256=" + Hex.encode(mac)
    }

    /// Compares in constant time (as to the secret); a missing or malformed
    /// header fails.
    public static func isValid(_ header: String?, body: [UInt8], secret: [UInt8]) -> Bool {
        guard let header, !secret.isEmpty else { return false }
        let expected = Array(sign(body, secret: secret).utf8)
        let given = Array(header.utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }
}
