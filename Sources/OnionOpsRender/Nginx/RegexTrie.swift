/// An alternation of token sequences written as a prefix tree: `site1.org`
/// and `site2.org` become `site(?:1\.org|2\.org)`, so at each position of a
/// body PCRE follows one branch instead of trying every name in turn.
/// Tokens are regex fragments (an escaped character, a separator); a
/// sequence that ends where longer ones go on makes the rest optional, so
/// the longer name is tried first and the shorter one if it fails.
enum RegexTrie {
    static func pattern(_ sequences: [[String]]) -> String {
        var ends = false
        var groups: [String: [[String]]] = [:]
        for sequence in sequences {
            guard let first = sequence.first else {
                ends = true
                continue
            }
            groups[first, default: []].append(Array(sequence.dropFirst()))
        }
        let alternatives = groups.sorted { $0.key < $1.key }.map { $0.key + pattern($0.value) }
        if alternatives.isEmpty { return "" }
        if ends { return "(?:" + alternatives.joined(separator: "|") + ")?" }
        if alternatives.count == 1 { return alternatives[0] }
        return "(?:" + alternatives.joined(separator: "|") + ")"
    }
}
