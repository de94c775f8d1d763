import Foundation
import OnionOpsCore
import OnionOpsPresentation
import OnionOpsTestSupport
import Testing

@Suite("unified diffs, checked against diff -u")
struct UnifiedDiffTests {
    /// One comparison: two texts and the context width.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var old: String
        var new: String
        var context = 3

        var testDescription: String { name }
    }

    static let handCases: [Case] = [
        Case(name: "one line changed", old: "a\nb\nc\n", new: "a\nB\nc\n"),
        Case(name: "line added at the start", old: "b\nc\n", new: "a\nb\nc\n"),
        Case(name: "line removed at the end", old: "a\nb\nc\n", new: "a\nb\n"),
        Case(name: "old lacks the final newline", old: "a\nb", new: "a\nb\n"),
        Case(name: "new lacks the final newline", old: "a\nb\n", new: "a\nb"),
        Case(name: "both lack it, last lines differ", old: "a\nb", new: "a\nc"),
        Case(name: "both lack it, last line is context", old: "x\nb\nc", new: "y\nb\nc"),
        Case(name: "only the final newline added to one line", old: "a", new: "a\n"),
        Case(name: "new file", old: "", new: "one\ntwo\nthree\n"),
        Case(name: "new file without a final newline", old: "", new: "one\ntwo"),
        Case(name: "deleted file", old: "one\ntwo\nthree\n", new: ""),
        Case(name: "an empty line added", old: "", new: "\n"),
        Case(name: "no context", old: "a\nb\nc\nd\n", new: "a\nx\nc\nd\n", context: 0),
        Case(name: "lines sharing their ends", old: "xa\nba\na\nab\n", new: "ba\nxa\na\nb\n", context: 0),
        Case(
            name: "changes six lines apart share a hunk",
            old: numbered(20), new: numbered(20, changing: [5: "five", 11: "eleven"])),
        Case(
            name: "changes seven lines apart do not",
            old: numbered(20), new: numbered(20, changing: [5: "five", 12: "twelve"])),
        Case(name: "repeated lines slide to merge", old: "a\nb\na\nb\nc\n", new: "a\nb\nc\n"),
        Case(name: "blank line runs", old: "x\n\n\ny\n\nz\n", new: "x\n\ny\n\n\n\nz\n"),
        Case(name: "CRLF lines", old: "a\r\nb\r\nc\r\n", new: "a\r\nb\nc\r\n"),
        Case(name: "canonically equivalent but different bytes", old: "caf\u{E9}\n", new: "cafe\u{301}\n"),
        Case(name: "braces of an nginx config", old: nginx(servers: 3), new: nginx(servers: 4)),
        Case(name: "wide context", old: numbered(30), new: numbered(30, removing: [15]), context: 10),
    ]

    @Test("hand-picked cases match diff -u", arguments: handCases)
    func handPicked(_ example: Case) throws {
        try expectMatchesDiff(example)
    }

    @Test("50 random edits match diff -u", arguments: 0..<50)
    func randomEdits(seed: Int) throws {
        try expectMatchesDiff(Self.randomCase(seed: UInt64(seed)))
    }

    @Test("equal texts give the empty string")
    func equal() {
        #expect(UnifiedDiff.render(old: "", new: "", oldLabel: "a/x", newLabel: "b/x") == "")
        #expect(UnifiedDiff.render(old: "a\nb\n", new: "a\nb\n", oldLabel: "a/x", newLabel: "b/x") == "")
        #expect(UnifiedDiff.render(old: "a\nb", new: "a\nb", oldLabel: "a/x", newLabel: "b/x") == "")
        let big = Self.nginx(servers: 200)
        #expect(UnifiedDiff.render(old: big, new: big, oldLabel: "a/x", newLabel: "b/x") == "")
    }

    @Test("the header names the labels as given")
    func header() {
        let diff = UnifiedDiff.render(
            old: "", new: "x\n", oldLabel: "/dev/null", newLabel: "b/etc/onionops/tor/tor-news-1/torrc")
        #expect(diff == "--- /dev/null\n+++ b/etc/onionops/tor/tor-news-1/torrc\n@@ -0,0 +1 @@\n+x\n")
    }

    @Test("a 50,000-line config with a few changes diffs in well under a second")
    func large() throws {
        var lines = (0..<50_000).map { "    proxy_set_header X-Line-\($0) value-\($0 % 97);" }
        let old = lines.joined(separator: "\n") + "\n"
        lines[10] = "    # changed near the top"
        lines.insert("    added_in_the_middle on;", at: 25_000)
        lines.remove(at: 49_990)
        let new = lines.joined(separator: "\n") + "\n"
        let clock = ContinuousClock()
        var diff = ""
        let elapsed = clock.measure {
            diff = UnifiedDiff.render(old: old, new: new, oldLabel: "a/nginx.conf", newLabel: "b/nginx.conf")
        }
        #expect(elapsed < .seconds(10), "a quadratic diff would take minutes; took \(elapsed)")
        #expect(diff.split(separator: "\n").filter { $0.hasPrefix("@@") }.count == 3)
        try expectMatchesDiff(Case(name: "large", old: old, new: new))
    }

    @Test("scrambled texts go through diff's cost cut-off and still agree with it")
    func scrambled() throws {
        // Thousands of edits: past the cut-off both settle for the same
        // non-minimal script.
        let old = (0..<6000).map { "line \($0 % 50)\n" }.joined()
        let new = (0..<6000).map { "line \(($0 * 7) % 53)\n" }.joined()
        try expectMatchesDiff(Case(name: "scrambled", old: old, new: new))
    }

    // MARK: - Helpers

    private func expectMatchesDiff(_ example: Case, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let ours = UnifiedDiff.render(
            old: example.old, new: example.new, oldLabel: "a/file", newLabel: "b/file", context: example.context)
        let theirs = try Self.systemDiff(example)
        if ours.isEmpty || theirs.isEmpty {
            #expect(ours == theirs, sourceLocation: sourceLocation)
            return
        }
        let ourLines = ours.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(ourLines.prefix(2) == ["--- a/file", "+++ b/file"], sourceLocation: sourceLocation)
        // diff's header lines carry file names and timestamps; the hunks
        // are what must agree.
        let ourHunks = ourLines.dropFirst(2).joined(separator: "\n")
        let theirHunks = theirs.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
            .joined(separator: "\n")
        #expect(
            ourHunks == theirHunks,
            "\(example.name)\n--- ours:\n\(ourHunks)\n--- diff -u:\n\(theirHunks)",
            sourceLocation: sourceLocation)
    }

    /// `diff -U<context>` on temporary files holding the texts.
    private static func systemDiff(_ example: Case) throws -> String {
        let folder = try TemporaryFolder(prefix: "oo-diff")
        defer { folder.remove() }
        let oldPath = try folder.write("old", example.old)
        let newPath = try folder.write("new", example.new)
        // Through posix_spawn (Command), not Foundation's Process, which
        // hangs in this test process when other children are about.
        let result = try Command.capture("/usr/bin/diff", ["-U\(example.context)", oldPath, newPath])
        #expect(result.exitCode <= 1, "diff failed for \(example.name)")
        return result.stdout
    }

    /// `line 1` to `line <count>`, each on its own line, some changed or
    /// removed.
    private static func numbered(_ count: Int, changing: [Int: String] = [:], removing: Set<Int> = []) -> String {
        (1...count).filter { !removing.contains($0) }.map { "\(changing[$0] ?? "line \($0)")\n" }.joined()
    }

    private static func nginx(servers: Int) -> String {
        (1...servers).map { index in
            """
            server {
                listen unix:/run/onionops/nginx-news/p443.sock ssl;
                server_name site\(index).onion;
                location / {
                    proxy_pass https://upstream\(index % 2);
                }
            }

            """
        }
        .joined()
    }

    /// A random text and an edited copy. Lines come from a small vocabulary
    /// (so many shortest scripts exist and diff's choice among them is
    /// tested) mixed with unique ones; edits insert, delete and replace
    /// blocks; either text may lack its final newline.
    static func randomCase(seed: UInt64) -> Case {
        var generator = SeededGenerator(seed: seed)
        let vocabulary = ["{", "}", "", "listen 443;", "proxy_pass x;", "a", "b", "# note"]
        func line() -> String {
            Bool.random(using: &generator)
                ? (vocabulary.randomElement(using: &generator) ?? "")
                : "unique \(Int.random(in: 0..<1000, using: &generator))"
        }
        let length = Int.random(in: 0...(seed % 5 == 0 ? 400 : 40), using: &generator)
        let old = (0..<length).map { _ in line() }
        var new = old
        for _ in 0..<Int.random(in: 1...6, using: &generator) {
            let at = Int.random(in: 0...new.count, using: &generator)
            let size = Int.random(in: 1...4, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                new.insert(contentsOf: (0..<size).map { _ in line() }, at: at)
            case 1:
                new.removeSubrange(at..<min(at + size, new.count))
            default:
                new.replaceSubrange(at..<min(at + size, new.count), with: (0..<size).map { _ in line() })
            }
        }
        func text(_ lines: [String]) -> String {
            let body = lines.joined(separator: "\n")
            return lines.isEmpty || Int.random(in: 0..<4, using: &generator) == 0 ? body : body + "\n"
        }
        return Case(
            name: "seed \(seed)", old: text(old), new: text(new),
            context: [0, 1, 2, 3, 3, 3, 5][Int(seed % 7)])
    }
}
