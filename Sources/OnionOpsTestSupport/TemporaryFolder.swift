public import Foundation

/// A fresh folder under /tmp, removed by `remove()`. Short paths on
/// purpose: unix socket paths under it must stay under 107 bytes.
public struct TemporaryFolder: Sendable {
    public let path: String

    public init(prefix: String = "oo") throws {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        path = "/tmp/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public var url: URL { URL(fileURLWithPath: path) }

    /// Writes `content` to `relativePath`, making folders as needed.
    @discardableResult
    public func write(_ relativePath: String, _ content: String) throws -> String {
        try write(relativePath, Data(content.utf8))
    }

    @discardableResult
    public func write(_ relativePath: String, _ data: Data) throws -> String {
        let full = path + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
