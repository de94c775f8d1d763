import Foundation
public import OnionOpsCore

/// Puts a host's rendered folders and files in place under a sandbox root,
/// with their modes and owners, the way a transport would, so the real
/// daemons can check and run them.
public enum SandboxTree {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    public static func write(_ state: HostDesiredState, root: String) throws {
        let manager = FileManager.default
        let layout = HostLayout(root: root)
        let isRoot = getuid() == 0
        for directory in state.directories {
            let path = layout.resolve(directory.path)
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
            try setMetadata(path, mode: directory.mode, owner: directory.owner, chown: isRoot)
        }
        for file in state.files {
            let path = layout.resolve(file.path)
            try manager.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            guard manager.createFile(atPath: path, contents: Data(file.content)) else {
                throw Failure(description: "cannot write \(path)")
            }
            try setMetadata(path, mode: file.mode, owner: file.owner, chown: isRoot)
        }
    }

    private static func setMetadata(_ path: String, mode: UInt16, owner: String, chown: Bool) throws {
        var attributes: [FileAttributeKey: Any] = [.posixPermissions: NSNumber(value: mode)]
        if chown {
            attributes[.ownerAccountName] = owner
        }
        try FileManager.default.setAttributes(attributes, ofItemAtPath: path)
    }

    /// The topology with every host's root moved under `base/<host>`, so a
    /// test can render and run it in a folder of its own.
    public static func relocate(_ topology: Topology, under base: String) -> Topology {
        var moved = topology
        for index in moved.hosts.indices {
            let root = "\(base)/\(moved.hosts[index].name)"
            switch moved.hosts[index].connection {
            case .local: moved.hosts[index].connection = .local(root: root)
            case .ssh(var ssh):
                ssh.root = root
                moved.hosts[index].connection = .ssh(ssh)
            }
        }
        return moved
    }
}
