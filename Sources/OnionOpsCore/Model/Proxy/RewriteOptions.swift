/// How response bodies are rewritten from upstream names to onion names.
public struct RewriteOptions: Sendable, Hashable {
    /// 0: plain names; 1: also `example\.org`; 2: also `example\\.org` and
    /// `example\\\.org` (names escaped inside strings inside scripts).
    public var hardMode: Int
    /// Literal strings left untouched even when they contain an upstream name.
    public var preserve: [String]
    /// MIME types whose bodies are rewritten.
    public var types: [String]
    /// Strip `integrity=` attributes: rewritten scripts no longer match them.
    public var disableSRI: Bool
    /// Answer 520 when a rewritable type arrives compressed and so cannot
    /// be rewritten, instead of leaking upstream names.
    public var dropUnrewritable: Bool

    public init(
        hardMode: Int = 0,
        preserve: [String] = [],
        types: [String] = RewriteOptions.defaultTypes,
        disableSRI: Bool = false,
        dropUnrewritable: Bool = false
    ) {
        self.hardMode = hardMode
        self.preserve = preserve
        self.types = types
        self.disableSRI = disableSRI
        self.dropUnrewritable = dropUnrewritable
    }

    public static let hardModeRange = 0...2

    /// Onionspray's list (text/html is always rewritten by nginx's filters).
    public static let defaultTypes = [
        "text/html", "text/css", "text/xml", "text/javascript", "application/javascript",
        "application/x-javascript", "application/json", "application/ld+json", "application/manifest+json",
        "application/xml", "application/rss+xml", "application/atom+xml", "image/svg+xml",
    ]
}
