import Foundation
import OnionOpsCore
import Testing

@testable import OnionOpsKeys

@Suite struct OnionKeyTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    @Test func rfc8032VectorFromSeed() throws {
        // RFC 8032 section 7.1, TEST 1.
        let key = try OnionKey(seed: Self.hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(key.publicKey == Self.hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        // The same public key recomputed from the expanded key by our own
        // scalar multiplication.
        #expect(try OnionKey(expandedSecretKey: key.expandedSecretKey).publicKey == key.publicKey)
    }

    @Test func expandedKeyIsClampedSHA512OfSeed() throws {
        let seed = [UInt8](repeating: 0xFF, count: 32)
        let key = try OnionKey(seed: seed)
        #expect(key.expandedSecretKey.count == 64)
        #expect(key.expandedSecretKey[0] & 7 == 0)
        #expect(key.expandedSecretKey[31] & 0xC0 == 0x40)
        // Second half untouched.
        let hash = OnionKey.expand(seed: seed)
        #expect(Array(key.expandedSecretKey[32...]) == Array(hash[32...]))
    }

    @Test func ownScalarMultiplicationAgreesWithSwiftCrypto() throws {
        for _ in 0..<48 {
            let generated = OnionKey.generate()
            let imported = try OnionKey(expandedSecretKey: generated.expandedSecretKey)
            #expect(imported.publicKey == generated.publicKey)
            #expect(imported == generated)
        }
    }

    @Test func curveBasics() {
        let base = EdwardsPoint.base
        #expect(base.isOnCurve)
        #expect(base.encoded == [0x58] + [UInt8](repeating: 0x66, count: 31))
        #expect(base.doubled().encoded == (base + base).encoded)
        #expect((base + .identity).encoded == base.encoded)
        #expect(EdwardsPoint.identity.encoded == [1] + [UInt8](repeating: 0, count: 31))
        var one = [UInt8](repeating: 0, count: 32)
        one[0] = 1
        #expect(EdwardsPoint.multiplyBase(by: one).encoded == base.encoded)
        one[0] = 2
        #expect(EdwardsPoint.multiplyBase(by: one).encoded == base.doubled().encoded)
        #expect(EdwardsPoint.multiplyBase(by: one).isOnCurve)
    }

    @Test func fieldEncodingIsCanonical() {
        // p itself and p + 1 encode as 0 and 1.
        var p = [UInt8](repeating: 0xFF, count: 32)
        p[0] = 0xED
        p[31] = 0x7F
        #expect(FieldElement(bytes: p).bytes == [UInt8](repeating: 0, count: 32))
        p[0] = 0xEE
        #expect(FieldElement(bytes: p).bytes == [1] + [UInt8](repeating: 0, count: 31))
        let x = FieldElement(bytes: (0..<32).map { UInt8($0 * 7 + 1) & 0x7F })
        #expect((x * x.inverted()).bytes == FieldElement.one.bytes)
        #expect((x - x).bytes == FieldElement.zero.bytes)
    }

    @Test func torFilesAreByteExact() throws {
        let key = OnionKey.generate()
        let secretHeader = Array("== ed25519v1-secret: type0 ==".utf8) + [0, 0, 0]
        let publicHeader = Array("== ed25519v1-public: type0 ==".utf8) + [0, 0, 0]
        #expect(key.torSecretKeyFile.count == 96)
        #expect(Array(key.torSecretKeyFile[0..<32]) == secretHeader)
        #expect(Array(key.torSecretKeyFile[32...]) == key.expandedSecretKey)
        #expect(key.torPublicKeyFile.count == 64)
        #expect(Array(key.torPublicKeyFile[0..<32]) == publicHeader)
        #expect(Array(key.torPublicKeyFile[32...]) == key.publicKey)
        let hostname = String(decoding: key.hostnameFile, as: UTF8.self)
        #expect(hostname == key.address.description + "\n")
        #expect(hostname.count == 56 + ".onion\n".count)
        #expect(try OnionAddress.parse(String(hostname.dropLast())).get() == key.address)
        #expect(Set(key.torFiles.keys) == ["hs_ed25519_secret_key", "hs_ed25519_public_key", "hostname"])
        try key.verify(torPublicKeyFile: key.torPublicKeyFile)
        #expect(try OnionKey(torSecretKeyFile: key.torSecretKeyFile) == key)
    }

    @Test func truncatedOrCorruptKeysAreRefused() {
        let file = OnionKey.generate().torSecretKeyFile
        func code(_ bytes: [UInt8]) -> KeyError.Code? {
            do {
                _ = try OnionKey(torSecretKeyFile: bytes)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(Array(file.dropLast())) == .wrongLength)
        #expect(code(Array(file.prefix(32))) == .wrongLength)
        #expect(code(file + [0]) == .wrongLength)
        #expect(code([]) == .badHeader)
        #expect(code(Array(file.prefix(10))) == .badHeader)
        var badHeader = file
        badHeader[3] ^= 0x20
        #expect(code(badHeader) == .badHeader)
        var badPadding = file
        badPadding[30] = 0x20
        #expect(code(badPadding) == .badHeader)
        var notClamped = file
        notClamped[32] |= 1
        #expect(code(notClamped) == .notClamped)
        notClamped = file
        notClamped[63] |= 0x80
        #expect(code(notClamped) == .notClamped)
        // A public key file is not a secret key file.
        #expect(code(OnionKey.generate().torPublicKeyFile + [UInt8](repeating: 0, count: 32)) == .badHeader)
        #expect(throws: KeyError.self) { try OnionKey(seed: [1, 2, 3]) }
        #expect(throws: KeyError.self) { try OnionKey(expandedSecretKey: [UInt8](repeating: 0, count: 63)) }
    }

    @Test func mismatchedPublicKeyIsRefused() throws {
        let key = OnionKey.generate()
        let other = OnionKey.generate()
        #expect(
            throws: KeyError(
                code: .publicKeyMismatch, message: "public key file is for \(other.address), not \(key.address)")
        ) {
            try key.verify(torPublicKeyFile: other.torPublicKeyFile)
        }
        #expect(throws: KeyError.self) { try key.verify(address: other.address) }
        try key.verify(address: key.address)
        var truncated = key.torPublicKeyFile
        truncated.removeLast()
        #expect(throws: KeyError.self) { try key.verify(torPublicKeyFile: truncated) }
    }

    @Test func printingAKeyShowsNoSecret() {
        let key = OnionKey.generate()
        let texts = [
            String(describing: key), String(reflecting: key), "\(key)",
            {
                var s = ""
                dump(key, to: &s)
                return s
            }(),
        ]
        let secretHex = key.expandedSecretKey.prefix(8).map { String($0) }.joined(separator: ", ")
        for text in texts {
            #expect(text.contains(key.address.description))
            #expect(!text.contains(secretHex))
            #expect(!text.contains("expandedSecretKey"))
        }
    }

    @Test func generatesAThousandDistinctKeys() {
        let clock = ContinuousClock()
        var addresses = Set<String>()
        let elapsed = clock.measure {
            for _ in 0..<1000 {
                addresses.insert(OnionKey.generate().address.description)
            }
        }
        #expect(addresses.count == 1000)
        print("OnionKeyTests: 1,000 keys generated with addresses in \(elapsed)")
    }
}
