public import Foundation
import OnionOpsHosts

/// A fresh folder under /tmp, removed by `remove()`. Short paths on
/// purpose: unix socket paths under it must stay under 107 bytes.
public struct TemporaryFolder: Sendable {
    public let path: String

    /// Made by the one temp-folder maker (`PrivateFolder`), then opened
    /// to 0755: daemons a test runs as their own users (tor, nginx) must
    /// reach their files under it.
    public init(prefix: String = "oo") throws {
        path = try PrivateFolder(prefix: prefix, in: "/tmp").path
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
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
