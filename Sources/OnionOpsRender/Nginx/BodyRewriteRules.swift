/// The subs_filter rules and the map that turn upstream names into onion
/// names in bodies.
///
/// subs_filter reads a body line by line and runs every rule on every line,
/// so one rule per name cost lines x names regex calls (385 ms for a 125 KB
/// page at 1,000 names). Instead a few rules each find any of many names:
/// one regex, the names as a prefix tree, the whole name captured as `$1`.
/// The replacement looks the matched text up in `map $1 $oo_body_onion`
/// (`volatile`, so it is looked up again for every match). subs_filter
/// evaluates a replacement with variables once per line unless it also
/// names a capture, hence the empty `()` at the end and `$2` after the
/// variable.
///
/// The map's keys are every spelling of a name the pattern finds (hard
/// mode 1: each dot as `.` or `\.`; 2: with up to three backslashes), each
/// with its onion whose last dot keeps that spelling's escaping. A name with
/// more spellings than `spellingLimit`, or too long for a map key, keeps a
/// rule of its own (`NameRewrite.bodyRule`).
struct BodyRewriteRules {
    struct Rule: Equatable {
        var pattern: String
        var replacement: String
    }

    static let variable = "oo_body_onion"
    static let spellingLimit = 64
    /// nginx reads a directive's argument into a 4 KB buffer and refuses a
    /// longer one: each pattern, as written (quoted), stays well under it.
    static let patternLimit = 4000
    /// A map key and its pointer fit one map_hash_bucket_size (256) bucket.
    static let keyLimit = 200

    private(set) var rules: [Rule] = []
    private(set) var map: [(key: String, value: String)] = []

    init(names: [NameRewrite], hardMode: Int) {
        var seen: Set<String> = []
        var chunk: [[String]] = []
        var chunkLength = 0
        let fixed = NginxWriter.quoted(NameRewrite.before + "()" + NameRewrite.after + "()").count
        for name in names {
            guard let spellings = name.bodySpellings(hardMode: hardMode, limit: Self.spellingLimit),
                spellings.allSatisfy({ $0.text.utf8.count <= Self.keyLimit })
            else {
                flush(&chunk, &chunkLength)
                let rule = name.bodyRule(hardMode: hardMode)
                rules.append(Rule(pattern: rule.pattern, replacement: rule.replacement))
                continue
            }
            let tokens = name.bodyTokens(hardMode: hardMode)
            // At most `(?:`, `|` and `)?` around each name in the tree.
            let length = NginxWriter.quoted(tokens.joined()).count + 6
            if fixed + chunkLength + length > Self.patternLimit { flush(&chunk, &chunkLength) }
            chunk.append(tokens)
            chunkLength += length
            for spelling in spellings where seen.insert(spelling.text).inserted {
                map.append((spelling.text, spelling.replacement))
            }
        }
        flush(&chunk, &chunkLength)
    }

    private mutating func flush(_ chunk: inout [[String]], _ length: inout Int) {
        guard !chunk.isEmpty else { return }
        rules.append(
            Rule(
                pattern: NameRewrite.before + "(" + RegexTrie.pattern(chunk) + ")" + NameRewrite.after + "()",
                replacement: "${\(Self.variable)}$2"))
        chunk = []
        length = 0
    }
}
