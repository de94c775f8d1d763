import OnionOpsCore

/// What of a manifest's own text a diagnostic may repeat.
///
/// Messages say what a node is (its type) and where, never what a value
/// says: the text could be a secret (a key pasted in the wrong place, or a
/// file that was never meant to be a manifest). A key name, a `kind` or an
/// enum value is repeated only when it is a short identifier that does not
/// look like key material, because "unknown key 'colour'" is worth saying
/// and such a word cannot carry a secret; anything else is described by
/// its length only.
enum SourceEcho {
    /// Longer words are never repeated (an age identity is 74 characters,
    /// a base64 ed25519 key 44 or more).
    static let maxLength = 40

    /// `'colour'`, or `(74 characters, not shown)`.
    static func word(_ text: String) -> String {
        isEchoable(text) ? "'\(text)'" : "(\(text.unicodeScalars.count) characters, not shown)"
    }

    static func isEchoable(_ text: String) -> Bool {
        guard !text.isEmpty, text.unicodeScalars.count <= maxLength else { return false }
        let identifier = text.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "-", "_", ".", "/": return true
            default: return false
            }
        }
        return identifier && !SecretRedaction.looksSecret(text) && !looksLikeRandomToken(text)
    }

    /// A short word can still be a slice of a key: a long run of letters
    /// and digits that mixes cases and digits reads as random, not as a
    /// name someone typed.
    private static func looksLikeRandomToken(_ text: String) -> Bool {
        guard text.unicodeScalars.count >= 16 else { return false }
        var upper = 0
        var lower = 0
        var digit = 0
        for scalar in text.unicodeScalars {
            switch scalar {
            case "A"..."Z": upper += 1
            case "a"..."z": lower += 1
            case "0"..."9": digit += 1
            default: break
            }
        }
        return upper > 0 && lower > 0 && digit > 0
    }
}
