import OnionOpsCore
import Testing

@Suite("character rules for config strings")
struct ConfigTextTests {
    @Test(
        "each injection character is found",
        arguments: [";", "{", "}", "\"", "'", "$", "#", "\n", "\0", "\\", "`", "\r", "\t", "\u{7}"]
    )
    func injection(character: String) {
        #expect(ConfigText.injectionCharacter(in: "a\(character)b") != nil)
    }

    @Test("plain text has no injection character")
    func clean() {
        #expect(ConfigText.injectionCharacter(in: "Mozilla/5.0 (X11; Linux)") == "';'")
        #expect(ConfigText.injectionCharacter(in: "Mozilla/5.0 (X11 Linux)") == nil)
    }

    @Test(
        "names are DNS-label-like and path-safe",
        arguments: [
            ("edge-1", true), ("a", true), ("news2", true), ("-edge", false), ("edge-", false), ("Edge", false),
            ("a/b", false), ("..", false), ("a b", false), ("", false), (String(repeating: "a", count: 33), false),
        ]
    )
    func names(name: String, valid: Bool) {
        #expect(ConfigText.isValidName(name) == valid)
    }

    @Test(
        "DNS names",
        arguments: [
            ("example.org", true), ("www.example.co.uk", true), ("example", false), ("exa_mple.org", false),
            ("example..org", false), (".example.org", false), ("Example.org", false),
        ]
    )
    func dns(name: String, valid: Bool) {
        #expect(ConfigText.isDNSName(name) == valid)
    }

    @Test(
        "host:port",
        arguments: [
            ("127.0.0.1:8443", true), ("[::1]:443", true), ("origin.example.org:443", true), ("127.0.0.1", false),
            ("127.0.0.1:0", false), ("127.0.0.1:70000", false), ("256.1.1.1:80", false), ("[::1]443", false),
        ]
    )
    func hostPort(text: String, valid: Bool) {
        #expect(ConfigText.isHostPort(text) == valid)
    }

    @Test(
        "absolute paths",
        arguments: [
            ("/usr/sbin/tor", true), ("/", true), ("relative/path", false), ("/etc/../shadow", false),
            ("/a/./b", false), ("/a b", false),
        ]
    )
    func paths(path: String, valid: Bool) {
        #expect(ConfigText.isSafeAbsolutePath(path) == valid)
    }

    @Test("nginx sizes and times")
    func nginxUnits() {
        #expect(ConfigText.isNginxSize("256m"))
        #expect(!ConfigText.isNginxSize("256mb"))
        #expect(ConfigText.isNginxTime("10m"))
        #expect(!ConfigText.isNginxTime("ten"))
    }
}
