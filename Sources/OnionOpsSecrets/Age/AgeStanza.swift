/// One recipient stanza of an age header: `-> ARG...` and a body that
/// wraps the file key for one recipient.
struct AgeStanza: Sendable, Equatable {
    /// The first argument names the stanza's type (`X25519`); the rest are
    /// the type's own.
    var arguments: [String]
    var body: [UInt8]

    /// The stanza's lines: the argument line, then the body in base64 wrapped
    /// at 64 columns, ending with a line shorter than 64 (maybe empty).
    var encoded: String {
        var text = "-> " + arguments.joined(separator: " ") + "\n"
        var rest = Substring(AgeBase64.encode(body))
        while rest.count >= AgeHeader.columns {
            text += rest.prefix(AgeHeader.columns) + "\n"
            rest = rest.dropFirst(AgeHeader.columns)
        }
        return text + rest + "\n"
    }
}
