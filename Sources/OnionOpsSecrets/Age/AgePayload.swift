import Crypto
import Foundation

/// The binary payload of an age file: a 16-byte nonce, then the plaintext
/// in 64 KiB chunks, each sealed with ChaCha20-Poly1305 under the payload
/// key and a nonce of an 11-byte big-endian chunk counter and a last-chunk
/// flag (STREAM). The flag makes truncation at a chunk boundary detectable.
enum AgePayload {
    static let chunkSize = 64 << 10
    static let tagSize = 16
    static let nonceSize = 16

    /// HKDF-SHA-256(file key, salt: the payload nonce, "payload").
    static func key(fileKey: SymmetricKey, nonce: ArraySlice<UInt8>) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: nonce, info: Array("payload".utf8), outputByteCount: 32)
    }

    private static func chunkNonce(_ counter: UInt64, last: Bool) throws -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { bytes[10 - index] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(index))) }
        bytes[11] = last ? 1 : 0
        return try ChaChaPoly.Nonce(data: bytes)
    }

    /// The payload for `plaintext`: a fresh nonce and the sealed chunks. An
    /// empty plaintext is one empty last chunk; a full last chunk is never
    /// followed by an empty one.
    static func seal(_ plaintext: [UInt8], fileKey: SymmetricKey) throws(SecretsError) -> [UInt8] {
        // One call to the CSPRNG, not one per byte.
        let nonce = SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
        let payloadKey = key(fileKey: fileKey, nonce: nonce[...])
        let chunkCount = max(1, (plaintext.count + chunkSize - 1) / chunkSize)
        var output = nonce
        output.reserveCapacity(nonceSize + plaintext.count + chunkCount * tagSize)
        do {
            for index in 0..<chunkCount {
                let start = index * chunkSize
                let chunk = plaintext[start..<min(start + chunkSize, plaintext.count)]
                let box = try ChaChaPoly.seal(
                    chunk, using: payloadKey, nonce: chunkNonce(UInt64(index), last: index == chunkCount - 1))
                output += box.ciphertext
                output += box.tag
            }
        } catch {
            throw SecretsError(code: .ageFailed, message: "cannot seal the payload: \(error)")
        }
        return output
    }

    /// The plaintext of `payload` (what follows the header), or an error
    /// when it is cut short, altered, or has data after its last chunk.
    static func open(_ payload: ArraySlice<UInt8>, fileKey: SymmetricKey) throws(SecretsError) -> [UInt8] {
        func corrupt(_ why: String) -> SecretsError {
            SecretsError(code: .notSealed, message: "not a valid age file (truncated or corrupt): \(why)")
        }
        guard payload.count >= nonceSize + tagSize else { throw corrupt("the payload is cut short") }
        let start = payload.startIndex
        let payloadKey = key(fileKey: fileKey, nonce: payload[start..<(start + nonceSize)])
        var cursor = start + nonceSize
        var counter: UInt64 = 0
        var plaintext: [UInt8] = []
        plaintext.reserveCapacity(payload.count)
        while true {
            let remaining = payload.endIndex - cursor
            // A chunk is last when nothing follows it: a full chunk with
            // more after it must open as a non-last one.
            let last = remaining <= chunkSize + tagSize
            let length = last ? remaining : chunkSize + tagSize
            guard length >= tagSize else { throw corrupt("the payload's last chunk is missing") }
            let sealed = payload[cursor..<(cursor + length)]
            let opened: Data
            do {
                let box = try ChaChaPoly.SealedBox(
                    nonce: chunkNonce(counter, last: last), ciphertext: sealed.dropLast(tagSize),
                    tag: sealed.suffix(tagSize))
                opened = try ChaChaPoly.open(box, using: payloadKey)
            } catch {
                throw corrupt(
                    last
                        ? "payload chunk \(counter + 1) does not open as the last one (altered, or chunks are missing)"
                        : "payload chunk \(counter + 1) does not open (altered)")
            }
            if last {
                guard !opened.isEmpty || counter == 0 else { throw corrupt("the payload ends with an empty chunk") }
                plaintext += opened
                return plaintext
            }
            plaintext += opened
            cursor += length
            counter += 1
        }
    }
}
