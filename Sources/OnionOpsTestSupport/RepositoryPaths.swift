public import Foundation

/// Paths inside the checkout, found from this file's location so tests run
/// from any working directory.
public enum RepositoryPaths {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // OnionOpsTestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    public static var examples: URL { root.appendingPathComponent("Examples") }
    public static var manifests: URL { root.appendingPathComponent("manifests") }
    /// The demo-only age identity that opens the examples' sealed keys.
    public static var demoIdentity: URL { root.appendingPathComponent("demo/age-identity.txt") }

    /// Every topology folder under Examples/.
    /// The topology folders of Examples/ (those holding manifests; the
    /// systemd units and git hooks sit beside them).
    public static func exampleFolders() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: examples, includingPropertiesForKeys: [.isDirectoryKey])
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .filter { !["systemd", "git-hooks"].contains($0.lastPathComponent) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
