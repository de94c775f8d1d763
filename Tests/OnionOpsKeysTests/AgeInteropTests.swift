import Foundation
import OnionOpsSecrets
import OnionOpsTestSupport
import Testing

/// The in-process age format against the real `age` binary, both ways:
/// what OnionOps seals, `age -d` opens; what `age -e` (binary or armored)
/// seals, OnionOps opens; across the payload's chunk boundaries.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: Tool.agePath)))
struct AgeInteropTests {
    static let sizes = [0, 1, 64 << 10, (64 << 10) + 1, 200 << 10]

    let sealer = AgeSealer()

    /// Bytes that differ from chunk to chunk, so a swapped or repeated
    /// chunk would show.
    static func payload(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 16 &+ 7) }
    }

    /// `age` with `arguments`, which must succeed.
    static func age(_ arguments: [String]) throws {
        let result = try Tool.run(Tool.agePath, arguments)
        guard result.status == 0 else {
            throw Tool.ToolFailure(message: "age \(arguments.joined(separator: " ")): \(result.stderr)")
        }
    }

    @Test(arguments: sizes)
    func ageOpensWhatWeSeal(size: Int) async throws {
        let scratch = try TemporaryFolder(prefix: "oo-age-interop")
        defer { scratch.remove() }
        let first = try Tool.makeAgeIdentity(in: scratch, name: "first.txt")
        let second = try Tool.makeAgeIdentity(in: scratch, name: "second.txt")
        let plaintext = Self.payload(size)

        let sealed = try await sealer.seal(plaintext, to: [first.recipient, second.recipient])
        let sealedPath = try scratch.write("sealed.age", Data(sealed))
        for (index, identity) in [first, second].enumerated() {
            let out = scratch.path + "/out-\(index)"
            try Self.age(["--decrypt", "--identity", identity.file, "--output", out, sealedPath])
            // age creates its output on the first byte: none for an empty plaintext.
            let opened =
                size == 0
                ? (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data()
                : try Data(contentsOf: URL(fileURLWithPath: out))
            #expect(opened == Data(plaintext), "identity \(index + 1)")
        }
    }

    @Test(arguments: sizes, [false, true])
    func weOpenWhatAgeSeals(size: Int, armored: Bool) async throws {
        let scratch = try TemporaryFolder(prefix: "oo-age-interop")
        defer { scratch.remove() }
        let identities = try (0..<3).map { try Tool.makeAgeIdentity(in: scratch, name: "id-\($0).txt") }
        let plaintext = Self.payload(size)
        let input = try scratch.write("plain", Data(plaintext))
        let sealedPath = scratch.path + "/sealed.age"
        try Self.age(
            ["--encrypt"] + (armored ? ["--armor"] : []) + identities.flatMap { ["--recipient", $0.recipient] }
                + ["--output", sealedPath, input])
        let sealed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sealedPath)))
        #expect(sealed.starts(with: Array((armored ? "-----BEGIN AGE" : "age-encryption.org/v1").utf8)))
        for (index, identity) in identities.enumerated() {
            #expect(try await sealer.open(sealed, identityFile: identity.file) == plaintext, "identity \(index + 1)")
        }
        let stranger = try Tool.makeAgeIdentity(in: scratch, name: "stranger.txt")
        let wrongIdentityError = await #expect(throws: SecretsError.self) {
            _ = try await sealer.open(sealed, identityFile: stranger.file)
        }
        #expect(wrongIdentityError?.code == .wrongIdentity)
    }

    /// Identity files as people write them: comments, blank lines, several
    /// identities of which only a later one is a recipient.
    @Test func identityFileWithCommentsAndSeveralKeys() async throws {
        let scratch = try TemporaryFolder(prefix: "oo-age-interop")
        defer { scratch.remove() }
        let old = try Tool.makeAgeIdentity(in: scratch, name: "old.txt")
        let current = try Tool.makeAgeIdentity(in: scratch, name: "current.txt")
        let combined =
            "# two reconciler keys\n\n" + (try String(contentsOfFile: old.file, encoding: .utf8)) + "\n  \n"
            + (try String(contentsOfFile: current.file, encoding: .utf8))
        let file = try scratch.write("both.txt", combined)
        let sealed = try await sealer.seal([1, 2, 3], to: [current.recipient])
        #expect(try await sealer.open(sealed, identityFile: file) == [1, 2, 3])
    }

    /// Identity files OnionOps cannot use are refused by kind, and the
    /// message never quotes a line of them.
    @Test func unusableIdentityFilesAreRefused() async throws {
        let scratch = try TemporaryFolder(prefix: "oo-age-interop")
        defer { scratch.remove() }
        let identity = try Tool.makeAgeIdentity(in: scratch, name: "id.txt")
        let sealed = try await sealer.seal([1], to: [identity.recipient])
        let secretLine =
            try String(contentsOfFile: identity.file, encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("AGE-SECRET-KEY-1") }.map(String.init) ?? ""
        #expect(!secretLine.isEmpty)
        let cases: [(name: String, content: String?, code: SecretsError.Code)] = [
            ("ssh private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n", .badIdentity),
            ("plugin identity", "AGE-PLUGIN-YUBIKEY-1QQQQQQ\n", .badIdentity),
            ("comments only", "# nothing here\n\n", .badIdentity),
            // Another bech32 letter than the last one (a fixed "Q" left
            // one key in 32 unchanged, and the case then opened it).
            (
                "checksum typo", String(secretLine.dropLast()) + (secretLine.hasSuffix("Q") ? "P" : "Q") + "\n",
                .badIdentity
            ),
            ("recipient, not identity", identity.recipient + "\n", .badIdentity),
            ("sealed identity file", "age-encryption.org/v1\n", .badIdentity),
            ("missing file", nil, .noSuchIdentity),
        ]
        for (index, testCase) in cases.enumerated() {
            let path =
                try testCase.content.map { try scratch.write("case-\(index).txt", $0) }
                ?? scratch.path + "/missing.txt"
            do {
                _ = try await sealer.open(sealed, identityFile: path)
                Issue.record("\(testCase.name): opened")
            } catch {
                #expect(error.code == testCase.code, "\(testCase.name): \(error)")
                #expect(!error.message.contains(String(secretLine.dropFirst(20))), "\(testCase.name) quotes the key")
            }
        }
        let noSuchIdentityError = await #expect(throws: SecretsError.self) {
            _ = try await sealer.open(sealed, identityFile: scratch.path)
        }
        #expect(noSuchIdentityError?.code == .noSuchIdentity)
    }

    /// SSH recipients, which `age` takes, are refused by name: the
    /// in-process sealer speaks X25519 only. The recipients file error
    /// names the line.
    @Test func sshRecipientsAreRefusedNamingTheLine() async throws {
        let scratch = try TemporaryFolder(prefix: "oo-age-interop")
        defer { scratch.remove() }
        let identity = try Tool.makeAgeIdentity(in: scratch, name: "id.txt")
        let ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB/VfNadnOIc ops@host"
        try scratch.write("keys/recipients.txt", "# reconcilers\n\(identity.recipient)\n\(ssh)\n")
        let store = SealedKeyStore(folder: scratch.path + "/keys")
        do {
            _ = try store.recipients()
            Issue.record("an SSH recipient was accepted")
        } catch {
            #expect(error.code == .badRecipient)
            #expect(error.message.contains("recipients.txt:3:"))
            #expect(error.message.contains("SSH public key"))
        }
        let badRecipientError = await #expect(throws: SecretsError.self) {
            _ = try await sealer.seal([1], to: [ssh])
        }
        #expect(badRecipientError?.code == .badRecipient)
        // A typo in a recipient fails its checksum.
        let typo = String(identity.recipient.dropLast()) + (identity.recipient.hasSuffix("q") ? "p" : "q")
        let typoError = await #expect(throws: SecretsError.self) {
            _ = try await sealer.seal([1], to: [typo])
        }
        #expect(typoError?.code == .badRecipient)
    }
}
