import Foundation

/// The base64 of age headers: standard alphabet, no `=` padding, and only
/// canonical encodings accepted (unused trailing bits must be zero), as
/// the format requires, so a header has one spelling.
enum AgeBase64 {
    static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// The bytes of `text`, or nil when it is not canonical unpadded base64.
    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 != 1 else { return nil }
        let isBase64Character: (UInt8) -> Bool = {
            ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "+")
                || $0 == UInt8(ascii: "/")
        }
        guard utf8.allSatisfy(isBase64Character) else { return nil }
        let padded = String(decoding: utf8, as: UTF8.self) + String(repeating: "=", count: (4 - utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: padded) else { return nil }
        let bytes = [UInt8](data)
        // Non-zero leftover bits decode, but re-encode differently.
        guard encode(bytes).utf8.elementsEqual(utf8) else { return nil }
        return bytes
    }
}
