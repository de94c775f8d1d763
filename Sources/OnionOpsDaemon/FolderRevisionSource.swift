import Foundation
public import OnionOpsCore

/// A folder of manifests as a revision source: its id is a hash of every
/// file in it, so a change to any manifest or key is a new revision.
public struct FolderRevisionSource: RevisionSource {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var description: String { "folder \(path)" }

    public func latest() async throws(RevisionError) -> Revision {
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: path) else {
            throw RevisionError(code: .unavailable, message: "cannot read the folder \(path)")
        }
        var text: [UInt8] = []
        for case let relative as String in walker.allObjects.sorted(by: { "\($0)" < "\($1)" }) {
            guard let data = manager.contents(atPath: path + "/" + relative) else { continue }
            text += Array(relative.utf8) + [0] + Array(FileDrift.sha256Hex(Array(data)).utf8) + [10]
        }
        let id = "folder-" + FileDrift.sha256Hex(text).prefix(16)
        return Revision(id: id, folder: path, summary: path)
    }
}
