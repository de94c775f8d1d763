import OnionOpsCore

/// POSIX sh fragments for the SSH transport: a whole batch becomes one
/// script, run by one `ssh host sh -s`, so a batch is one round trip.
enum ShellScript {
    /// A single-quoted sh word: safe for any string.
    static func quote(_ value: String) -> String {
        "'" + value.replacing("'", with: "'\\''") + "'"
    }

    /// Base64 without Foundation, for embedding file contents in a script.
    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4 + bytes.count / 57 + 1)
        var index = 0
        var column = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? table[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? table[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
            column += 4
            if column >= 76 {
                out.append(UInt8(ascii: "\n"))
                column = 0
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decodeBase64(_ text: Substring) -> [UInt8]? {
        var values: [UInt8] = []
        for scalar in text.unicodeScalars {
            switch scalar {
            case "A"..."Z": values.append(UInt8(scalar.value - 65))
            case "a"..."z": values.append(UInt8(scalar.value - 97 + 26))
            case "0"..."9": values.append(UInt8(scalar.value - 48 + 52))
            case "+": values.append(62)
            case "/": values.append(63)
            case "=", "\n", "\r", " ": continue
            default: return nil
            }
        }
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for value in values {
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    /// Creates missing folders and sets the folder's own mode and owner.
    static func makeDirectory(_ path: String, mode: UInt16, owner: String) -> String {
        let p = quote(path)
        return "(umask 022 && mkdir -p \(p)) && chmod \(String(mode, radix: 8)) \(p) && chown \(quote(owner)): \(p)\n"
    }

    /// The same atomic write as the local transport: temp file beside the
    /// target, sync, mode and owner, rename, sync of the folder.
    static func atomicWrite(_ content: [UInt8], to path: String, mode: UInt16, owner: String, number: Int) -> String {
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let name = String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
        let temp = "\(folder)/.\(name).onionops-$$-\(number)"
        let marker = "ONIONOPS_DATA_\(number)"
        // Missing parents come out 0755 as with the local transport (the
        // script's umask 077 is for the temp files, which may hold keys).
        return """
            (umask 022 && mkdir -p \(quote(folder)))
            t="\(temp.replacing("\"", with: "\\\""))"
            base64 -d > "$t" <<'\(marker)'
            \(base64(content))
            \(marker)
            chmod \(String(mode, radix: 8)) "$t" && chown \(quote(owner)): "$t" && sync "$t" && mv -f "$t" \(quote(path)) && sync \(quote(folder))

            """
    }

    static func remove(_ path: String) -> String {
        let p = quote(path)
        return "if [ -d \(p) ] && [ ! -L \(p) ]; then rmdir \(p); else rm -f \(p); fi\n"
    }
}
