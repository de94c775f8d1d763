/// Test-side parsers for what we render: enough of nginx's and tor's
/// syntax to count directives, so a test can tell whether a manifest
/// string managed to add or split one.
enum ConfigShape {
    struct Directive: Equatable, CustomStringConvertible {
        var depth: Int
        var name: String
        var arguments: Int
        var inMap: Bool

        var description: String { "\(String(repeating: "  ", count: depth))\(name)/\(arguments)" }
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// nginx tokens: words, quoted strings (with backslash escapes),
    /// `{`, `}`, `;`; `#` starts a comment outside quotes.
    static func nginx(_ text: String) throws -> [Directive] {
        var directives: [Directive] = []
        var words: [String] = []
        var current = ""
        var inWord = false
        var blocks: [String] = []
        var characters = Array(text.unicodeScalars)[...]

        func endWord() {
            if inWord {
                words.append(current)
                current = ""
                inWord = false
            }
        }
        func emit(block: Bool) throws {
            guard let name = words.first else { throw ParseError(description: "empty directive") }
            directives.append(
                Directive(depth: blocks.count, name: name, arguments: words.count - 1, inMap: blocks.last == "map")
            )
            if block { blocks.append(name) }
            words = []
        }
        /// A `*_by_lua_block` holds Lua, not directives: one opaque
        /// directive, its braces balanced.
        func skipLua() throws {
            var open = 1
            while open > 0, let next = characters.popFirst() {
                if next == "{" { open += 1 }
                if next == "}" { open -= 1 }
            }
            guard open == 0 else { throw ParseError(description: "unterminated Lua block") }
            blocks.removeLast()
        }

        while let scalar = characters.popFirst() {
            switch scalar {
            case "#":
                endWord()
                while let next = characters.popFirst(), next != "\n" {}
            case "\"", "'":
                endWord()
                var value = ""
                var closed = false
                while let next = characters.popFirst() {
                    if next == "\\", let escaped = characters.popFirst() {
                        value.unicodeScalars.append(escaped)
                    } else if next == scalar {
                        closed = true
                        break
                    } else {
                        value.unicodeScalars.append(next)
                    }
                }
                guard closed else { throw ParseError(description: "unterminated quote") }
                words.append(value)
            case ";":
                endWord()
                try emit(block: false)
            case "{":
                endWord()
                let lua = words.first?.hasSuffix("_by_lua_block") == true
                try emit(block: true)
                if lua { try skipLua() }
            case "}":
                endWord()
                guard words.isEmpty, blocks.popLast() != nil else { throw ParseError(description: "unbalanced }") }
            case " ", "\t", "\n", "\r":
                endWord()
            default:
                inWord = true
                current.unicodeScalars.append(scalar)
            }
        }
        endWord()
        guard words.isEmpty, blocks.isEmpty else { throw ParseError(description: "unterminated block or directive") }
        return directives
    }

    /// torrc: one keyword per non-comment line.
    static func torrc(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.hasPrefix("#") }
            .map { String($0.split(separator: " ").first ?? "") }
    }

    /// nginx shape for comparison: directives outside maps exactly; map
    /// entries only counted as `key value` pairs (their number follows the
    /// site names, which fuzzing changes).
    static func comparable(_ directives: [Directive]) -> [Directive] {
        directives.filter { !$0.inMap }
    }
}
