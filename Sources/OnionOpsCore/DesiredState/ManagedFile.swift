/// A file OnionOps owns on a host: exact bytes, mode and owner.
public struct ManagedFile: Sendable, Hashable {
    /// Host-absolute path (`/etc/onionops/...`); the transport adds the
    /// host's root.
    public var path: String
    public var content: [UInt8]
    public var mode: UInt16
    public var owner: String
    /// The daemon that reads it, so a change reloads only that daemon.
    public var instance: DaemonInstance?
    /// Key material: shown as a hash in plans, never as content.
    public var isSecret: Bool

    public init(
        path: String,
        content: [UInt8],
        mode: UInt16 = 0o644,
        owner: String = "root",
        instance: DaemonInstance? = nil,
        isSecret: Bool = false
    ) {
        self.path = path
        self.content = content
        self.mode = mode
        self.owner = owner
        self.instance = instance
        self.isSecret = isSecret
    }

    public init(
        path: String,
        text: String,
        mode: UInt16 = 0o644,
        owner: String = "root",
        instance: DaemonInstance? = nil
    ) {
        self.init(path: path, content: Array(text.utf8), mode: mode, owner: owner, instance: instance)
    }

    public var text: String { String(decoding: content, as: UTF8.self) }
}
