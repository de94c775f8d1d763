import OnionOpsCore

/// One upstream name and the onion that stands for it, with the patterns
/// that find it in bodies and headers.
struct NameRewrite {
    let upstream: String
    let onion: String

    /// Not inside a longer name: `notexample.org` stays. A name right after
    /// a percent-encoded `/` or `@` (query strings) is still a name.
    static let before = "(?:(?<![a-z0-9-])|(?<=%2f)|(?<=%40))"
    /// Not the start of a longer name: `example.org.evil.com` stays.
    static let after = "(?![a-z0-9-]|\\.[a-z0-9])"

    /// The subs_filter pattern and replacement for a body. Hard mode 1
    /// also finds `example\.org`, hard mode 2 also `example\\.org` and
    /// `example\\\.org`; the onion keeps the escaping of the last dot.
    func bodyRule(hardMode: Int) -> (pattern: String, replacement: String) {
        let labels = upstream.split(separator: ".").map { NginxWriter.regexLiteral(String($0)) }
        guard hardMode > 0 else {
            return (Self.before + NginxWriter.regexLiteral(upstream) + Self.after, onion)
        }
        let separator = hardMode == 1 ? "(\\\\?\\.)" : "(\\\\{0,3}\\.)"
        let label = onion.dropLast(".onion".count)
        return (Self.before + labels.joined(separator: separator) + Self.after, "\(label)$\(labels.count - 1)onion")
    }

    /// The separator between labels that `bodyRule` and `bodyTokens` find:
    /// a dot, in hard mode 1 also `\.`, in hard mode 2 with up to three
    /// backslashes.
    static func separator(hardMode: Int) -> String {
        hardMode == 0 ? "\\." : hardMode == 1 ? "\\\\?\\." : "\\\\{0,3}\\."
    }

    /// The name as regex tokens for `RegexTrie`: each character escaped,
    /// each dot the separator of the hard mode. Lower case: the rules are
    /// case-insensitive.
    func bodyTokens(hardMode: Int) -> [String] {
        let separator = Self.separator(hardMode: hardMode)
        return upstream.lowercased().map { $0 == "." ? separator : NginxWriter.regexLiteral(String($0)) }
    }

    /// Every spelling of the name that `bodyTokens` finds, with the text
    /// that replaces it: the onion, its last dot escaped as the name's last
    /// dot was. Nil when there are more than `limit`.
    func bodySpellings(hardMode: Int, limit: Int) -> [(text: String, replacement: String)]? {
        let separators = hardMode == 0 ? ["."] : hardMode == 1 ? [".", "\\."] : [".", "\\.", "\\\\.", "\\\\\\."]
        let labels = upstream.lowercased().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = labels.first else { return nil }
        var spellings: [(text: String, last: String)] = [(first, ".")]
        for label in labels.dropFirst() {
            guard spellings.count * separators.count <= limit else { return nil }
            spellings = spellings.flatMap { spelling in
                separators.map { (spelling.text + $0 + label, $0) }
            }
        }
        let label = onion.dropLast(".onion".count)
        return spellings.map { ($0.text, "\(label)\($0.last)onion") }
    }

    /// Own sites and foreign sites, longest upstream first so that
    /// `cdn.example.org` wins over `example.org`; an upstream named twice
    /// keeps its first onion.
    static func all(sites: [SiteNames], foreign: [ForeignSite]) -> [NameRewrite] {
        var seen: Set<String> = []
        let pairs =
            sites.map { NameRewrite(upstream: $0.site.upstream, onion: $0.onion) }
            + foreign.map { NameRewrite(upstream: $0.upstream, onion: $0.onion) }
        return pairs.filter { seen.insert($0.upstream).inserted }
            .enumerated()
            .sorted { ($0.element.upstream.count, -$0.offset) > ($1.element.upstream.count, -$1.offset) }
            .map(\.element)
    }
}
