public import OnionOpsCore

/// Where manifests come from: a folder on disk now, a git commit's tree
/// later. Sources only list and read files; they never interpret YAML.
public protocol ManifestSource: Sendable {
    /// Shown in summaries and in errors about the source as a whole.
    var displayName: String { get }

    /// Every manifest file, sorted by path. Files over `maxBytes` come back
    /// as `.oversized` without being read.
    func manifestFiles(maxBytes: Int) async throws(SourceError) -> [ManifestFile]
}

/// The source could not be read at all (as opposed to a bad file in it).
public struct SourceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }

    public var diagnostic: Diagnostic {
        .error(.sourceUnreadable, message, at: .start(of: path))
    }
}
