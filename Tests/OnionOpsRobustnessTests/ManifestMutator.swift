import Foundation
import OnionOpsTestSupport

/// Mutations of a manifest's text, the kinds a hurried edit, a bad merge or
/// a hostile pull request make: bytes flipped or dropped, lines deleted,
/// duplicated, swapped or re-indented, values swapped for hostile ones,
/// keys misspelt, YAML features (anchors, aliases, tags, deep nesting,
/// documents) spliced in.
struct ManifestMutator {
    var random: SeededGenerator

    static let hostileValues: [String] = [
        "", "~", "null", "-1", "0", "65536", "99999999999999999999", "1e309", ".nan", "true", "[]", "{}",
        "[1, [2, [3]]]", "&a x", "*a", "*undefined", "!!binary AAAA", "!!python/object:os.system x",
        "\"\\u0000\"", "\"\\x00\"", "'", "\"", "{", "[", "../../../../etc/passwd", "/", "/etc/shadow",
        "127.0.0.1:99999", "10.0.0.1:443", "[::1]:80", "x.onion", "a.onion; rm -rf /", "$(reboot)", "`id`",
        "é😀\u{202E}", "${HOME}", "%00", "\"a\\nb\"", "'multi\n  line'", "|\n  block", ">-\n  folded",
        String(repeating: "a", count: 70_000), String(repeating: "x.", count: 200) + "onion",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion", "2001:db8::1", "0x7f000001",
        "- item", "key: value", "? complex", "!!map {}", "<<: *a", "---", "...",
    ]

    static let nearMissKeys: [String] = [
        "hots", "host", "site", "upsteam", "onoin", "torInstance", "placment", "mode", "kind", "spec",
        "metadata", "name", "apiVersion", "subdomain", "upstreamAdress", "balancers", "project", "local", "ssh",
        "supervision", "nginx", "tor", "testing", "root", "port", "<<",
    ]

    static let splices: [String] = [
        // Billion laughs, cut short by the alias limit.
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
            + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
            + "e: [*d, *d, *d, *d, *d, *d, *d, *d]\n",
        String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "\n",
        String(repeating: "{a: ", count: 2_000) + "1" + String(repeating: "}", count: 2_000) + "\n",
        "---\n", "--- !!str\n", "%YAML 1.1\n---\n", "...\n", "\t\n", "\u{FEFF}", "\0", "key: [unclosed\n",
        "kind: Project\n", "apiVersion: onionops/v2\n", "<<: {a: 1}\n", "? [a, b]\n: c\n",
        "metadata: {name: dup}\nmetadata: {name: dup}\n",
    ]

    init(seed: UInt64) {
        random = SeededGenerator(seed: seed)
    }

    /// 1 to 3 mutations of `text`, and what they were.
    mutating func mutate(_ text: String) -> (text: String, operations: [String]) {
        var text = text
        var operations: [String] = []
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let (next, operation) = mutateOnce(text)
            text = next
            operations.append(operation)
        }
        return (text, operations)
    }

    private mutating func mutateOnce(_ text: String) -> (String, String) {
        var lines = text.components(separatedBy: "\n")
        let line = Int.random(in: 0..<max(lines.count, 1), using: &random)
        switch Int.random(in: 0..<11, using: &random) {
        case 0:
            var bytes = Array(text.utf8)
            guard !bytes.isEmpty else { return (text, "noop") }
            let at = Int.random(in: 0..<bytes.count, using: &random)
            bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            return (String(decoding: bytes, as: UTF8.self), "flip a bit of byte \(at)")
        case 1:
            var bytes = Array(text.utf8)
            let at = Int.random(in: 0...bytes.count, using: &random)
            let length = min(Int.random(in: 1...40, using: &random), bytes.count - at)
            bytes.removeSubrange(at..<(at + length))
            return (String(decoding: bytes, as: UTF8.self), "drop \(length) bytes at \(at)")
        case 2:
            guard lines.indices.contains(line) else { return (text, "noop") }
            lines.remove(at: line)
            return (lines.joined(separator: "\n"), "delete line \(line + 1)")
        case 3:
            guard lines.indices.contains(line) else { return (text, "noop") }
            lines.insert(lines[line], at: line)
            return (lines.joined(separator: "\n"), "duplicate line \(line + 1)")
        case 4:
            let other = Int.random(in: 0..<lines.count, using: &random)
            lines.swapAt(line, other)
            return (lines.joined(separator: "\n"), "swap lines \(line + 1) and \(other + 1)")
        case 5:
            guard lines.indices.contains(line) else { return (text, "noop") }
            if Bool.random(using: &random) {
                lines[line] = "  " + lines[line]
                return (lines.joined(separator: "\n"), "indent line \(line + 1)")
            }
            lines[line] = String(lines[line].drop { $0 == " " })
            return (lines.joined(separator: "\n"), "dedent line \(line + 1)")
        case 6, 7:
            // A scalar after `key: ` or `- ` swapped for a hostile value.
            let candidates = lines.indices.filter { lines[$0].contains(": ") || lines[$0].contains("- ") }
            guard let target = candidates.randomElement(using: &random) else { return (text, "noop") }
            let value = Self.hostileValues.randomElement(using: &random) ?? ""
            let original = lines[target]
            if let range = original.range(of: ": ", options: .backwards) {
                lines[target] = String(original[..<range.upperBound]) + value
            } else if let range = original.range(of: "- ") {
                lines[target] = String(original[..<range.upperBound]) + value
            }
            return (
                lines.joined(separator: "\n"), "value on line \(target + 1) -> \(value.prefix(30).debugDescription)"
            )
        case 8:
            // A key misspelt or swapped for another.
            let candidates = lines.indices.filter { lines[$0].contains(":") }
            guard let target = candidates.randomElement(using: &random) else { return (text, "noop") }
            let original = lines[target]
            guard let colon = original.firstIndex(of: ":") else { return (text, "noop") }
            let prefix = original[..<colon].prefix { $0 == " " || $0 == "-" }
            let key = Self.nearMissKeys.randomElement(using: &random) ?? "x"
            lines[target] = prefix + key + original[colon...]
            return (lines.joined(separator: "\n"), "key on line \(target + 1) -> \(key)")
        case 9:
            let splice = Self.splices.randomElement(using: &random) ?? ""
            lines.insert(splice, at: line)
            return (lines.joined(separator: "\n"), "splice \(splice.prefix(24).debugDescription) at line \(line + 1)")
        default:
            // A flow mapping's value swapped: `{name: x}` style lines.
            let candidates = lines.indices.filter { lines[$0].contains("{") && lines[$0].contains(": ") }
            guard let target = candidates.randomElement(using: &random),
                let range = lines[target].range(of: ": ")
            else { return (text, "noop") }
            let value = Self.hostileValues.randomElement(using: &random) ?? ""
            let rest = lines[target][range.upperBound...]
            let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
            lines[target] = String(lines[target][..<range.upperBound]) + value + String(rest[end...])
            return (
                lines.joined(separator: "\n"),
                "flow value on line \(target + 1) -> \(value.prefix(30).debugDescription)"
            )
        }
    }
}
