/// An onion run elsewhere (another project, another operator) whose
/// upstream name is rewritten to it in bodies and headers, so links
/// between sites stay on onions.
public struct ForeignSite: Sendable, Hashable {
    public var onion: String
    public var upstream: String

    public init(onion: String, upstream: String) {
        self.onion = onion
        self.upstream = upstream
    }
}
