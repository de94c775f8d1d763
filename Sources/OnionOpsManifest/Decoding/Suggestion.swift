/// "Did you mean" for misspelt keys.
enum Suggestion {
    /// The allowed key closest to `key`, if it is close enough to be a typo
    /// or a different capitalisation.
    static func closest(to key: String, in allowed: [String]) -> String? {
        let lowered = key.lowercased()
        if let sameLetters = allowed.first(where: { $0.lowercased() == lowered }) { return sameLetters }
        let scored = allowed.map { ($0, distance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let threshold = max(2, best.0.count / 3)
        if best.1 <= threshold { return best.0 }
        // A prefix ("introPoints" for "introductionPoints") also counts.
        return allowed.first { $0.lowercased().hasPrefix(lowered.prefix(5)) && lowered.count >= 5 }
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
