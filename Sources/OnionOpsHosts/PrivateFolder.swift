import Foundation
import OnionOpsCore

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh folder of this user's, mode 0700: the one way OnionOps makes a
/// temporary folder. Like `mkdtemp`, a random name made by one `mkdir`
/// that fails if anything is there already (so nobody can have put it
/// there first), tried again on a clash. The name is lowercase hex, not
/// mkdtemp's mixed case: a path shown in a message must not look like a
/// secret to `SecretRedaction`. Removed by `remove()`, never on its own.
public struct PrivateFolder: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let path: String

    /// `<parent>/<prefix>-<8 hex digits>`; the parent defaults to $TMPDIR.
    public init(prefix: String, in parent: String? = nil) throws(Failure) {
        let base = parent ?? NSTemporaryDirectory()
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        var made: String?
        var reason = "no free name"
        for _ in 0..<100 {
            var random = SystemRandomNumberGenerator()
            let name =
                trimmed + "/" + prefix + "-"
                + Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255, using: &random) })
            if mkdir(name, 0o700) == 0 {
                made = name
                break
            }
            reason = String(cString: strerror(errno))
            guard errno == EEXIST else { break }
        }
        guard let made else {
            throw Failure(description: "cannot create a folder in \(trimmed): \(reason)")
        }
        path = made
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
