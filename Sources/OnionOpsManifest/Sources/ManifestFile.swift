/// One file from a manifest source, named as the user will see it in
/// diagnostics (relative to what they passed on the command line).
public struct ManifestFile: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        case bytes([UInt8])
        /// Larger than the guard admits; not read, so a huge file costs
        /// nothing.
        case oversized(byteCount: Int)
        /// Not read: a link, FIFO, socket or device where a manifest (or
        /// any repository file) should be, or a file that could not be
        /// opened. The reason names what it is, never what it holds.
        case refused(reason: String)
    }

    public var path: String
    public var content: Content

    public init(path: String, content: Content) {
        self.path = path
        self.content = content
    }

    public init(path: String, text: String) {
        self.init(path: path, content: .bytes(Array(text.utf8)))
    }
}
