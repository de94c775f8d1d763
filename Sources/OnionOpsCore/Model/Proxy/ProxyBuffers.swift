/// How nginx buffers upstream answers (Onionspray's `nginx_block_size`,
/// `nginx_block_count`, `nginx_block_busy_size`, `nginx_tmpfile_size`).
public struct ProxyBuffers: Sendable, Hashable {
    /// One buffer, also the one for the answer's headers.
    public var size: String
    public var count: Int
    /// How much may be busy sending to the visitor.
    public var busySize: String
    /// The most of one answer spooled to a temp file; `0` turns spooling off.
    public var maxTempFileSize: String

    public init(size: String = "8k", count: Int = 8, busySize: String = "16k", maxTempFileSize: String = "256m") {
        self.size = size
        self.count = count
        self.busySize = busySize
        self.maxTempFileSize = maxTempFileSize
    }

    public static let countRange = 2...1024
}
