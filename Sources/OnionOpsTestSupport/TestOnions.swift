import OnionOpsCore

/// Valid v3 onion addresses for fixtures, derived from fixed byte patterns
/// so every run uses the same ones. They are not real keys.
public enum TestOnions {
    public static func address(_ seed: UInt8) -> String {
        let key = (0..<32).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0 &* 7) }
        return OnionAddress(publicKey: key).description
    }

    public static let a = address(1)
    public static let b = address(2)
    public static let c = address(3)
    public static let d = address(4)

    /// `address` with one base32 character changed: well-formed, wrong
    /// checksum.
    public static func withBadChecksum(_ address: String) -> String {
        var chars = Array(address)
        chars[10] = chars[10] == "a" ? "b" : "a"
        return String(chars)
    }
}
