public import OnionOpsCore

/// Statements from logical lines, with EOTK's rules: `set` names are
/// case-insensitive and must look like variable names; map lines belong to
/// the project set when they are read; any other first word is an error.
public enum EOTKParser {
    public static func statements(of lines: [EOTKLine]) -> (statements: [EOTKStatement], diagnostics: [Diagnostic]) {
        var statements: [EOTKStatement] = []
        var diagnostics: [Diagnostic] = []
        var project = "default"
        for line in lines {
            guard let command = line.tokens.first else { continue }
            // Nothing a manifest can hold, and nothing EOTK meant: refused
            // here, where the operator can find it, not in the YAML written.
            if let bad = line.tokens.first(where: { $0.text.unicodeScalars.contains(where: Self.isControl) }) {
                let scalar = bad.text.unicodeScalars.first(where: Self.isControl).map {
                    "U+" + String($0.value, radix: 16, uppercase: true)
                }
                diagnostics.append(
                    .error(
                        .importSyntax, "'\(command.text)' line holds a control character (\(scalar ?? "?"))",
                        at: bad.location)
                )
                continue
            }
            let args = Array(line.tokens.dropFirst())
            switch command.text {
            case "set":
                guard let name = args.first else {
                    diagnostics.append(.error(.importSyntax, "'set' needs a name", at: command.location))
                    continue
                }
                guard isVariableName(name.text) else {
                    diagnostics.append(
                        .error(
                            .importSyntax, "'\(name.text)' is not a setting name (EOTK: 'bad varname')",
                            at: name.location)
                    )
                    continue
                }
                let lowered = EOTKToken(name.text.lowercased(), at: name.location)
                let value = Array(args.dropFirst())
                if lowered.text == "project", let first = value.first {
                    project = value.count == 1 ? first.text : value.map(\.text).joined(separator: " ")
                }
                statements.append(.set(name: lowered, value: value))
            case "hardmap", "softmap":
                guard args.count >= 2 else {
                    diagnostics.append(
                        .error(
                            .importSyntax,
                            "'\(command.text)' needs an onion and a domain: \(command.text) ONION DOMAIN [SUBDOMAIN...]",
                            at: command.location)
                    )
                    continue
                }
                let mode: ProjectMode = command.text == "hardmap" ? .hardmap : .softmap
                statements.append(
                    .map(
                        mode: mode, onion: args[0], domain: args[1], subdomains: Array(args.dropFirst(2)),
                        project: project)
                )
            case "foreignmap":
                guard args.count >= 2 else {
                    diagnostics.append(
                        .error(
                            .importSyntax, "'foreignmap' needs an onion and a domain: foreignmap ONION DOMAIN",
                            at: command.location)
                    )
                    continue
                }
                if args.count > 2 {
                    diagnostics.append(
                        .warning(
                            .importSyntax,
                            "'foreignmap' takes an onion and a domain; the rest is ignored, as EOTK does",
                            at: args[2].location)
                    )
                }
                statements.append(.foreignmap(onion: args[0], domain: args[1]))
            default:
                let written = line.tokens.map(\.text).joined(separator: " ")
                diagnostics.append(
                    .error(
                        .importUnknownStatement,
                        "unknown statement '\(command.text)' in '\(written)': EOTK knows set, hardmap, softmap and foreignmap",
                        at: command.location
                    )
                )
            }
        }
        return (statements, diagnostics)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
    }

    /// EOTK's check, `/^[A-Za-z_]\w+/`, anchored at the start only: a letter
    /// or underscore, then a word character.
    static func isVariableName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count >= 2 else { return false }
        func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        return isLetter(bytes[0]) && (isLetter(bytes[1]) || (bytes[1] >= 48 && bytes[1] <= 57))
    }
}
