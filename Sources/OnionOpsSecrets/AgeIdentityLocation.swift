/// Where the reconciler's age identity (the private key that opens
/// `keys/*.age`) is read from: the `--identity FILE` flag, else the
/// `ONIONOPS_AGE_IDENTITY` environment variable, else
/// `/etc/onionops/age-identity.txt`. Empty values count as unset.
///
/// Pure: it names a path; whether the file exists is `AgeSealer`'s concern.
public struct AgeIdentityLocation: Sendable, Hashable, CustomStringConvertible {
    /// Which of the three places the path came from, for messages
    /// ("identity from ONIONOPS_AGE_IDENTITY: ... does not exist").
    public enum Source: String, Sendable, Hashable {
        case flag = "--identity"
        case environment = "ONIONOPS_AGE_IDENTITY"
        case defaultPath = "default"
    }

    public static let environmentVariable = "ONIONOPS_AGE_IDENTITY"
    public static let defaultPath = "/etc/onionops/age-identity.txt"

    public var path: String
    public var source: Source

    public init(path: String, source: Source) {
        self.path = path
        self.source = source
    }

    /// Resolves the location from the flag's value (nil when not given)
    /// and the process environment.
    public static func resolve(flag: String?, environment: [String: String]) -> AgeIdentityLocation {
        if let flag, !flag.isEmpty { return AgeIdentityLocation(path: flag, source: .flag) }
        if let value = environment[environmentVariable], !value.isEmpty {
            return AgeIdentityLocation(path: value, source: .environment)
        }
        return AgeIdentityLocation(path: defaultPath, source: .defaultPath)
    }

    public var description: String { "\(path) (from \(source.rawValue))" }
}
