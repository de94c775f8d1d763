/// The torrc options a host's `spec.testing.torOptions` may add: enough to
/// keep a sandbox tor offline or to join a private test network, nothing
/// that changes what a site publishes or who can reach it.
public enum TestingTorOptions {
    public static let allowed: Set<String> = [
        "DisableNetwork", "TestingTorNetwork", "DirAuthority", "AssumeReachable",
        "PathsNeededToBuildCircuits", "GeoIPFile", "GeoIPv6File", "SafeLogging", "ShutdownWaitLength",
    ]

    /// `Name value`: an allowed option name, one space, then printable
    /// ASCII without torrc's comment or escape characters.
    public static func isValid(_ line: String) -> Bool {
        guard let space = line.firstIndex(of: " ") else { return false }
        let name = String(line[..<space])
        let value = line[line.index(after: space)...]
        guard allowed.contains(name), !value.isEmpty, value.utf8.count <= 512 else { return false }
        return value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") && $0 != UInt8(ascii: "\\") }
    }

    /// The option name and its value, for the torrc writer.
    public static func split(_ line: String) -> (name: String, value: String)? {
        guard isValid(line), let space = line.firstIndex(of: " ") else { return nil }
        return (String(line[..<space]), String(line[line.index(after: space)...]))
    }
}
