import Crypto
import Foundation
import OnionOpsCore
import OnionOpsManifest

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
        // Read like intake reads (RepositoryFolder): never through a link,
        // never from a FIFO (which would hang here, before intake could
        // report it). Anything but regular files and folders throws: no
        // digest, no shortcut, and intake says what is wrong.
        guard let type = RepositoryFolder.typeOfTopLevel(folder) else {
            throw SourceError(path: folder, message: "no such file or folder")
        }
        // A single manifest file: its bytes are the input.
        guard type == .folder else {
            try RepositoryFolder.streamTopLevelFile(folder) { hasher.update(data: $0) }
            return Hex.encode(hasher.finalize())
        }
        var files: [(relative: String, folder: RepositoryFolder, name: String)] = []
        func collect(_ current: RepositoryFolder, prefix: String) throws(SourceError) {
            for entry in try current.entries() where !entry.name.hasPrefix(".") {
                let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
                switch entry.type {
                case .folder: try collect(try current.folder(entry.name), prefix: relative)
                case .regular: files.append((relative, current, entry.name))
                default: throw SourceError(path: entry.path, message: RepositoryFolder.refusal(entry.type))
                }
            }
        }
        try collect(try RepositoryFolder.open(folder), prefix: "")
        for file in files.sorted(by: { $0.relative < $1.relative }) {
            var data: [UInt8] = []
            try file.folder.stream(file.name) { data += $0 }
            add("\(file.relative) \(data.count)")
            hasher.update(data: data)
        }
        return Hex.encode(hasher.finalize())
    }
}
