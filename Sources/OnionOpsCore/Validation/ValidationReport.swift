/// Collects diagnostics from validation rules.
public struct ValidationReport: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public mutating func error(_ code: DiagnosticCode, _ message: String, at location: SourceLocation) {
        diagnostics.append(.error(code, message, at: location))
    }

    /// Checks a string that will reach a config file: first for characters
    /// that could inject a directive, then against the field's own format.
    /// Reports at most one problem per field.
    public mutating func checkConfigText(
        _ value: String,
        _ what: String,
        at location: SourceLocation,
        code: DiagnosticCode,
        expected: String,
        refusing injection: (String) -> String? = { ConfigText.injectionCharacter(in: $0) },
        isValid: (String) -> Bool
    ) {
        if let bad = injection(value) {
            error(
                .configInjection,
                "\(what) \(Quoted(value)) contains \(bad), which could inject a configuration directive",
                at: location
            )
        } else if !isValid(value) {
            error(code, "\(what) \(Quoted(value)) is not valid: \(expected)", at: location)
        }
    }

    public mutating func checkName(_ name: String, _ what: String, at location: SourceLocation) {
        checkConfigText(
            name,
            what,
            at: location,
            code: .invalidName,
            expected:
                "use 1-\(ConfigText.maxNameLength) lowercase letters, digits or '-', starting and ending with a letter or digit"
        ) { ConfigText.isValidName($0) }
    }

    public mutating func checkAbsolutePath(_ path: String, _ what: String, at location: SourceLocation) {
        checkConfigText(
            path,
            what,
            at: location,
            code: .invalidPath,
            expected: "use an absolute path without '.' or '..' components, spaces or quotes"
        ) { ConfigText.isSafeAbsolutePath($0) }
    }

    /// Reports names listed twice, at the second mention.
    public mutating func checkUnique(
        _ names: [String],
        _ what: String,
        location: (Int) -> SourceLocation
    ) {
        var seen: Set<String> = []
        for (index, name) in names.enumerated() where !seen.insert(name).inserted {
            error(.duplicateReference, "\(what) '\(name)' is listed more than once", at: location(index))
        }
    }
}

/// A value shown inside a message: quoted, control characters escaped and
/// long values cut, so one diagnostic stays one line.
public struct Quoted: CustomStringConvertible, Sendable {
    public var value: String

    public init(_ value: String) { self.value = value }

    public var description: String {
        var out = ""
        for scalar in value.unicodeScalars.prefix(80) {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        if value.unicodeScalars.count > 80 { out += "..." }
        return "'\(out)'"
    }
}
