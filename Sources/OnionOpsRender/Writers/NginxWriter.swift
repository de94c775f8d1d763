/// Builds an nginx configuration with consistent indentation.
///
/// Arguments that carry manifest strings go through `quoted`, which
/// escapes what nginx's tokenizer treats specially, on top of validation's
/// allow-lists.
struct NginxWriter {
    /// Appended to in place: configs for thousands of sites are tens of
    /// megabytes, and building them line by line into an array first costs
    /// twice the allocations.
    private(set) var text: String
    private var depth = 0
    private var lastLineBlank = false

    init(header: [String]) {
        text = ""
        text.reserveCapacity(1 << 16)
        for line in header { newLine(line) }
    }

    mutating func directive(_ name: String, _ arguments: String...) {
        words(name, arguments)
        text += ";\n"
    }

    mutating func block(_ name: String, _ arguments: String..., body: (inout NginxWriter) -> Void) {
        words(name, arguments)
        text += " {\n"
        depth += 1
        body(&self)
        depth -= 1
        newLine("}")
    }

    /// A line inside a `map` or `types` block: `key value;`.
    mutating func entry(_ key: String, _ value: String) {
        startLine()
        text += key
        text += " "
        text += value
        text += ";\n"
    }

    /// A `*_by_lua_block`: the lines are Lua, written as they are. Only
    /// validated names (DNS names, onions) ever reach them.
    mutating func luaBlock(_ name: String, _ lines: [String]) {
        words(name, [])
        text += " {\n"
        depth += 1
        for line in lines { newLine(line) }
        depth -= 1
        newLine("}")
    }

    mutating func blank() {
        if !lastLineBlank {
            text += "\n"
            lastLineBlank = true
        }
    }

    mutating func comment(_ text: String) {
        newLine("# " + text)
    }

    /// An indented `name arg arg`, left open for `;` or ` {`.
    private mutating func words(_ name: String, _ arguments: [String]) {
        startLine()
        text += name
        for argument in arguments {
            text += " "
            text += argument
        }
    }

    private mutating func newLine(_ line: String) {
        startLine()
        text += line
        text += "\n"
    }

    private mutating func startLine() {
        lastLineBlank = false
        for _ in 0..<depth { text += "    " }
    }

    /// A double-quoted nginx string. `$` is escaped too only where it is
    /// data; call sites that want variable interpolation build their own.
    static func quoted(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        out.unicodeScalars.append("\"")
        return out
    }

    /// A literal as a PCRE pattern fragment: every metacharacter escaped.
    static func regexLiteral(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count * 2)
        for scalar in value.unicodeScalars {
            if metacharacters.contains(scalar) { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    private static let metacharacters: Set<Unicode.Scalar> = Set("\\^$.|?*+()[]{}/-".unicodeScalars)
}
