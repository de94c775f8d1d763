// GITSTUB: replaced once the git source lands.
public struct GitRevisionSource: RevisionSource {
    public init(url: String, branch: String, path: String, stateDirectory: String, allowedSigners: String?) {}
    public var description: String { "git" }
    public func latest() async throws(RevisionError) -> Revision {
        throw RevisionError(code: .unavailable, message: "git source not built yet")
    }
}
