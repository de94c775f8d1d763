import Crypto

/// `POST /trigger` carries `Authorization: Bearer <token>`, the content of
/// the daemon's trigger token file (or its webhook secret). `onionops
/// trigger` sends it; a request without it, or with another, gets 401 and
/// starts nothing.
public enum TriggerToken {
    public static let header = "Authorization"
    public static let scheme = "Bearer "

    /// Whether `header` is `Bearer <token>`. Both sides are hashed first
    /// and the digests compared in constant time, so neither the token's
    /// bytes nor its length show in the timing.
    public static func isValid(_ header: String?, token: [UInt8]) -> Bool {
        guard let header, !token.isEmpty, header.hasPrefix(scheme) else { return false }
        let given = Array(header.utf8.dropFirst(scheme.utf8.count))
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
