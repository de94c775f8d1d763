import Foundation

/// Machine-readable output: one JSON object, sorted keys, with a format
/// version so scripts can detect changes.
enum JSONOutput {
    static let formatVersion = 1

    static func render(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
