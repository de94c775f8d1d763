import Crypto
import Foundation

/// A digest of everything a reconcile renders from: every file of the
/// manifest folder (manifests and sealed keys), the onionops version and
/// the binary itself (size and modification time, so a rebuilt or upgraded
/// binary counts as new input). Recorded with each generation; a host whose
/// generation has the same digest and that still matches it has nothing to
/// render.
enum InputsDigest {
    static func of(folder: String) throws -> String {
        var hasher = SHA256()
        func add(_ text: String) { hasher.update(data: Array(text.utf8) + [0]) }
        add("onionops-inputs-1")
        add(OnionOpsVersion.current)
        var binary = stat()
        if stat("/proc/self/exe", &binary) == 0 {
            add("\(binary.st_size) \(binary.st_mtim.tv_sec).\(binary.st_mtim.tv_nsec) \(binary.st_ino)")
        } else {
            // Without a way to tell the binary apart, never match.
            add(UUID().uuidString)
        }
        let base = URL(fileURLWithPath: folder)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: folder])
        }
        // A single manifest file: its bytes are the input.
        guard isFolder.boolValue else {
            hasher.update(data: try Data(contentsOf: base))
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
        var files: [String] = []
        if let walker = FileManager.default.enumerator(atPath: folder) {
            while let relative = walker.nextObject() as? String {
                if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(
                    atPath: base.appendingPathComponent(relative).path, isDirectory: &isFolder), !isFolder.boolValue
                {
                    files.append(relative)
                }
            }
        }
        for relative in files.sorted() {
            let data = try Data(contentsOf: base.appendingPathComponent(relative))
            add("\(relative) \(data.count)")
            hasher.update(data: data)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
