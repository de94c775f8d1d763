import Foundation
public import OnionOpsCore
import OnionOpsKeys

/// Finds private keys left unsealed anywhere in a manifest folder: a key
/// in git is a key leaked to everyone who can clone it.
public enum PlaintextKeyScan {
    /// Bytes read per file: keys are small, and a key pasted into a large
    /// file still starts within this.
    static let readLimit = 1 << 20

    /// Every file under `path` (or `path` itself, if it is a file), `.git`
    /// excepted.
    public static func scan(_ path: String) -> [Diagnostic] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return check(path).map { [$0] } ?? [] }
        var diagnostics: [Diagnostic] = []
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return [] }
        while let relative = enumerator.nextObject() as? String {
            if (relative as NSString).lastPathComponent == ".git" {
                enumerator.skipDescendants()
                continue
            }
            let file = path.hasSuffix("/") ? path + relative : path + "/" + relative
            if let problem = check(file) { diagnostics.append(problem) }
        }
        return diagnostics
    }

    private static func check(_ path: String) -> Diagnostic? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let handle = FileHandle(forReadingAtPath: path)
        else { return nil }
        let bytes = (try? handle.read(upToCount: readLimit)).map { Array($0 ?? Data()) } ?? []
        try? handle.close()
        guard let kind = PlaintextKeyDetector.detect(bytes) else { return nil }
        let what = kind == .torSecretKey ? "a tor onion secret key" : "a PEM private key"
        return .error(
            .plaintextKey,
            "\(what) in the clear; remove it from the repository (and its history) and seal it: `onionops keys new` makes sealed keys, keys/<onion>.tls.age holds TLS keys",
            at: .start(of: path)
        )
    }
}
