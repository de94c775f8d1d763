import OnionOpsCore
import OnionOpsTestSupport
import Testing

@Suite("v3 onion addresses")
struct OnionAddressTests {
    /// The example address of the Onionspray documentation.
    static let documented = "exampd5xof3blvnynaqvmusnq3wx6c7mstcl6aph3yiw4fnt5yzqj3ad.onion"

    @Test("a published address parses and prints back unchanged")
    func roundTrip() throws {
        let address = try OnionAddress.parse(Self.documented).get()
        #expect(address.description == Self.documented)
        #expect(address.publicKey.count == 32)
        #expect(address.shortName == "exampd5xof3blvny")
    }

    @Test("an address made from a key parses to the same key")
    func fromKey() throws {
        let key = (0..<32).map { UInt8($0) }
        let text = OnionAddress(publicKey: key).description
        #expect(text.count == 62)
        #expect(try OnionAddress.parse(text).get().publicKey == key)
    }

    @Test(
        "malformed addresses are refused with the reason",
        arguments: [
            (String(documented.dropLast(6)), OnionAddress.ParseError.missingSuffix),
            ("abc.onion", .wrongLength(3)),
            (documented.uppercased().replacingOccurrences(of: ".ONION", with: ".onion"), .notBase32),
            (TestOnions.withBadChecksum(documented), .badChecksum),
            ("exampd5xof3blvnynaqvmusnq3wx6c7mstcl6aph3yiw4fnt5yzqj3a1.onion", .notBase32),
        ]
    )
    func refused(text: String, expected: OnionAddress.ParseError) {
        #expect(throws: expected) { try OnionAddress.parse(text).get() }
    }

    @Test("a version byte other than 3 is refused")
    func version() {
        // Same key and checksum bytes, version 2: the last base32 character
        // carries the version bits.
        let v3 = Self.documented
        let v2 = String(v3.dropLast(7)) + "c.onion"
        guard case .failure(let error) = OnionAddress.parse(v2) else {
            Issue.record("parsed a version-2 address")
            return
        }
        #expect(error == .wrongVersion(2) || error == .badChecksum)
    }
}
