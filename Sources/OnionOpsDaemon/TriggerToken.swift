import Crypto
import Foundation

/// `POST /trigger` carries `Authorization: Bearer <token>`, the content of
/// the daemon's trigger token file (or its webhook secret). `onionops
/// trigger` sends it; a request without it, or with another, gets 401 and
/// starts nothing.
public enum TriggerToken {
    public static let header = "Authorization"
    public static let scheme = "Bearer "
    /// What a browser sends for the status page: any user name, the token
    /// as the password.
    public static let basicScheme = "Basic "

    /// Whether `header` is `Bearer <token>`, or with `basic` (the status
    /// page's GETs only) `Basic` with the token as the password. Never
    /// Basic for a POST: a browser replays cached Basic credentials on a
    /// cross-site form post, so another site could trigger reconciles.
    /// Both sides are hashed first and the digests compared in constant
    /// time, so neither the token's bytes nor its length show in the
    /// timing.
    public static func isValid(_ header: String?, token: [UInt8], basic: Bool = false) -> Bool {
        guard let header, !token.isEmpty else { return false }
        let given: [UInt8]
        if header.hasPrefix(scheme) {
            given = Array(header.utf8.dropFirst(scheme.utf8.count))
        } else if basic, header.hasPrefix(basicScheme),
            let decoded = Data(base64Encoded: String(header.dropFirst(basicScheme.count))),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        {
            given = Array(decoded[decoded.index(after: colon)...])
        } else {
            return false
        }
        return ConstantTime.equal(Array(SHA256.hash(data: given)), Array(SHA256.hash(data: token)))
    }
}

/// Comparison whose time does not depend on where the inputs differ.
enum ConstantTime {
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
