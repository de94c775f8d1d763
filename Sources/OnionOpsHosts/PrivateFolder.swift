import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh folder of this user's, mode 0700, made by `mkdtemp` (so its
/// name cannot be guessed and taken first): the one way OnionOps makes a
/// temporary folder. Removed by `remove()`, never on its own.
public struct PrivateFolder: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let path: String

    /// `<parent>/<prefix>-XXXXXX`; the parent defaults to $TMPDIR.
    public init(prefix: String, in parent: String? = nil) throws(Failure) {
        let base = parent ?? NSTemporaryDirectory()
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        var template = Array((trimmed + "/" + prefix + "-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let made else {
            throw Failure(description: "cannot create a folder in \(trimmed): \(String(cString: strerror(errno)))")
        }
        path = made
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
