import Crypto

/// How one managed path differs between what a host should have and what
/// it has.
public struct FileDrift: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case missing
        case contentChanged = "content-changed"
        case modeChanged = "mode-changed"
        case ownerChanged = "owner-changed"
        case notAFolder = "not-a-folder"
        /// A symlink where a managed file or folder should be.
        case symbolicLink = "symlink"
    }

    public var path: String
    public var kind: Kind
    public var detail: String

    public init(path: String, kind: Kind, detail: String) {
        self.path = path
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(path): \(kind.rawValue) (\(detail))" }

    /// Every difference between `desired` and what `observed` reports, in
    /// path order; empty when the host is in sync.
    public static func compare(_ desired: HostDesiredState, with observed: [String: FileStatus]) -> [FileDrift] {
        var drift: [FileDrift] = []
        for directory in desired.directories {
            guard let status = observed[directory.path] else {
                drift.append(FileDrift(path: directory.path, kind: .missing, detail: "folder"))
                continue
            }
            if status.isSymbolicLink {
                drift.append(FileDrift(path: directory.path, kind: .symbolicLink, detail: "expected a folder"))
                continue
            }
            guard status.isDirectory else {
                drift.append(FileDrift(path: directory.path, kind: .notAFolder, detail: "expected a folder"))
                continue
            }
            drift += metadata(directory.path, mode: directory.mode, owner: directory.owner, status)
        }
        for file in desired.files {
            guard let status = observed[file.path] else {
                drift.append(FileDrift(path: file.path, kind: .missing, detail: "file"))
                continue
            }
            if status.isSymbolicLink {
                drift.append(FileDrift(path: file.path, kind: .symbolicLink, detail: "expected a file"))
                continue
            }
            let expected = FileDrift.sha256Hex(file.content)
            if status.sha256 != expected {
                // Never show secret content, and hashes only by prefix.
                drift.append(
                    FileDrift(
                        path: file.path,
                        kind: .contentChanged,
                        detail: "sha256 \(status.sha256?.prefix(12) ?? "none"), expected \(expected.prefix(12))"
                    )
                )
            }
            drift += metadata(file.path, mode: file.mode, owner: file.owner, status)
        }
        return drift.sorted { ($0.path, $0.kind.rawValue) < ($1.path, $1.kind.rawValue) }
    }

    private static func metadata(_ path: String, mode: UInt16, owner: String, _ status: FileStatus) -> [FileDrift] {
        var drift: [FileDrift] = []
        if status.mode != mode {
            drift.append(
                FileDrift(
                    path: path,
                    kind: .modeChanged,
                    detail: "\(String(status.mode, radix: 8)), expected \(String(mode, radix: 8))"
                )
            )
        }
        if status.owner != owner {
            drift.append(FileDrift(path: path, kind: .ownerChanged, detail: "\(status.owner), expected \(owner)"))
        }
        return drift
    }

    /// Lowercase hex SHA-256, the form transports report.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: bytes))
    }
}
