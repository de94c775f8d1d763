public import OnionOpsCore
public import OnionOpsKeys

/// What the files around the project files hold, read by the command:
/// onion keys, certificates and the worker list.
public struct ImportMaterial: Sendable {
    /// Onion keys found for the map lines, checked against their address.
    public var keys: [OnionAddress: OnionKey] = [:]
    /// Per EOTK project: certificate files by name (`<first20>-v3.onion.cert`,
    /// `<project>.pem`, ...), and the folder they came from.
    public var certificateFiles: [String: [String: String]] = [:]
    public var certificateFolders: [String: String] = [:]
    /// `eotk-workers.conf`, if there is one.
    public var workers: [WorkerEntry]?
    public var workersFile: String?

    public init() {}
}
