import Foundation
import OnionOpsSecrets
import OnionOpsTestSupport
import Testing

/// Damaged or altered age files are refused with a `SecretsError`, never
/// opened and never a crash: the header MAC, each payload chunk and the
/// last-chunk flag each guard something.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: Tool.agePath)))
struct AgeTamperingTests {
    let sealer = AgeSealer()

    struct Sample {
        var scratch: TemporaryFolder
        var identityFile: String
        var plaintext: [UInt8]
        var sealed: [UInt8]
        /// Offsets in `sealed`: the MAC line's `---`, and the payload.
        var macLine: Int
        var payload: Int
    }

    /// 200 KiB sealed by `age -e` to one identity: three full chunks and a
    /// short last one.
    func sample(armored: Bool = false) throws -> Sample {
        let scratch = try TemporaryFolder(prefix: "oo-age-tamper")
        let identity = try Tool.makeAgeIdentity(in: scratch, name: "id.txt")
        let plaintext = AgeInteropTests.payload(200 << 10)
        let input = try scratch.write("plain", Data(plaintext))
        let output = scratch.path + "/sealed.age"
        try AgeInteropTests.age(
            ["--encrypt"] + (armored ? ["--armor"] : []) + [
                "--recipient", identity.recipient, "--output", output, input,
            ]
        )
        let sealed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
        let text = Array("\n--- ".utf8)
        var macLine = 0
        if !armored {
            guard
                let found = (0..<(sealed.count - text.count)).first(where: {
                    sealed[$0..<($0 + text.count)].elementsEqual(text)
                })
            else { throw Tool.ToolFailure(message: "no MAC line") }
            macLine = found + 1
        }
        let payload = armored ? 0 : (sealed[macLine...].firstIndex(of: 0x0A) ?? 0) + 1
        return Sample(
            scratch: scratch, identityFile: identity.file, plaintext: plaintext, sealed: sealed, macLine: macLine,
            payload: payload)
    }

    func code(_ bytes: [UInt8], _ sample: Sample) async -> SecretsError.Code? {
        do {
            _ = try await sealer.open(bytes, identityFile: sample.identityFile)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func alteredFilesAreRefused() async throws {
        let sample = try sample()
        defer { sample.scratch.remove() }
        let sealed = sample.sealed
        #expect(try await sealer.open(sealed, identityFile: sample.identityFile) == sample.plaintext)
        let chunk = (64 << 10) + 16
        let chunksStart = sample.payload + 16
        func flipped(_ offset: Int) -> [UInt8] {
            var bytes = sealed
            bytes[offset] ^= 0x01
            return bytes
        }
        func replacing(_ offset: Int, with byte: Character) -> [UInt8] {
            var bytes = sealed
            bytes[offset] = bytes[offset] == byte.asciiValue ? UInt8(ascii: "C") : byte.asciiValue ?? 0
            return bytes
        }
        let grease = Array("-> grease-stanza x\n\n".utf8)
        let cases: [(name: String, bytes: [UInt8], code: SecretsError.Code)] = [
            ("empty input", [], .notSealed),
            ("plaintext", Array("hello\n".utf8), .notSealed),
            ("header cut short", Array(sealed.prefix(sample.macLine - 5)), .notSealed),
            ("header without its MAC line", Array(sealed.prefix(sample.macLine)), .notSealed),
            ("other version", Array("age-encryption.org/v2".utf8) + sealed.dropFirst(21), .notSealed),
            (
                "stanza added to the header", Array(sealed[..<sample.macLine]) + grease + sealed[sample.macLine...],
                .notSealed
            ),
            ("MAC altered", replacing(sample.macLine + 4, with: "A"), .notSealed),
            ("MAC cut short", Array(sealed[..<(sample.payload - 2)]) + sealed[(sample.payload - 1)...], .notSealed),
            ("stanza body altered", replacing(sample.macLine - 43, with: "A"), .wrongIdentity),
            ("payload nonce altered", flipped(sample.payload + 3), .notSealed),
            ("first chunk altered", flipped(chunksStart + 10), .notSealed),
            ("middle chunk tag altered", flipped(chunksStart + 2 * chunk - 1), .notSealed),
            ("last chunk altered", flipped(sealed.count - 20), .notSealed),
            ("last chunk missing", Array(sealed.prefix(chunksStart + 3 * chunk)), .notSealed),
            ("last chunk cut short", Array(sealed.dropLast(5)), .notSealed),
            ("data after the last chunk", sealed + [0], .notSealed),
            ("payload is only the nonce", Array(sealed.prefix(chunksStart)), .notSealed),
            ("no payload", Array(sealed.prefix(sample.payload)), .notSealed),
            (
                "chunks swapped",
                Array(sealed[..<chunksStart]) + sealed[(chunksStart + chunk)..<(chunksStart + 2 * chunk)]
                    + sealed[chunksStart..<(chunksStart + chunk)] + sealed[(chunksStart + 2 * chunk)...],
                .notSealed
            ),
        ]
        for testCase in cases {
            #expect(await code(testCase.bytes, sample) == testCase.code, "\(testCase.name)")
        }
    }

    /// Every header byte and the payload's edges are authenticated: any one
    /// changed byte is refused.
    @Test func everySingleByteChangeIsRefused() async throws {
        let scratch = try TemporaryFolder(prefix: "oo-age-tamper")
        defer { scratch.remove() }
        let identity = try Tool.makeAgeIdentity(in: scratch, name: "id.txt")
        let sealed = try await sealer.seal([42, 43], to: [identity.recipient])
        for offset in sealed.indices {
            var bytes = sealed
            bytes[offset] ^= 0x04
            do {
                _ = try await sealer.open(bytes, identityFile: identity.file)
                Issue.record("byte \(offset) changed, and it still opened")
            } catch {
                #expect(error.code == .notSealed || error.code == .wrongIdentity, "byte \(offset): \(error)")
            }
        }
    }

    @Test func alteredArmorIsRefused() async throws {
        let sample = try sample(armored: true)
        defer { sample.scratch.remove() }
        let sealed = sample.sealed
        #expect(try await sealer.open(sealed, identityFile: sample.identityFile) == sample.plaintext)
        // Whitespace around the block is allowed.
        #expect(
            try await sealer.open(Array("\n  ".utf8) + sealed + Array("\n\n".utf8), identityFile: sample.identityFile)
                == sample.plaintext)
        let text = String(decoding: sealed, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let cases: [(name: String, text: String)] = [
            ("text after the END line", text + "trailing\n"),
            ("no END line", lines.dropLast(2).joined(separator: "\n") + "\n"),
            (
                "a short middle line",
                ([lines[0], String(lines[1].dropLast())] + lines.dropFirst(2)).joined(separator: "\n")
            ),
            ("a character changed", text.replacingOccurrences(of: lines[3], with: String(lines[3].reversed()))),
            ("a non-base64 character", text.replacingOccurrences(of: lines[2], with: "!" + lines[2].dropFirst())),
        ]
        for testCase in cases {
            #expect(await code(Array(testCase.text.utf8), sample) == .notSealed, "\(testCase.name)")
        }
    }
}
