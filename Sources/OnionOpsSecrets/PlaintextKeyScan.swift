public import OnionOpsCore
import OnionOpsKeys
import OnionOpsManifest

/// Finds private keys left unsealed anywhere in a manifest folder: a key
/// in git is a key leaked to everyone who can clone it.
///
/// Every regular file is read whole, in chunks (memory stays bounded), and
/// `PlaintextKeyDetector` looks for keys anywhere in it, written out or
/// base64-encoded. Links and special files are never followed or opened
/// (intake reports them); `.git` is skipped.
public enum PlaintextKeyScan {
    /// Every file under `path` (or `path` itself, if it is a file), `.git`
    /// excepted.
    public static func scan(_ path: String) -> [Diagnostic] {
        guard let type = RepositoryFolder.typeOfTopLevel(path) else { return [] }
        guard type == .folder else {
            guard type == .regular else { return [] }
            var scanner = PlaintextKeyDetector.Scanner()
            // Unreadable: intake reports it.
            try? RepositoryFolder.streamTopLevelFile(path) { scanner.feed($0) }
            return scanner.finding.map { [diagnostic($0, file: path)] } ?? []
        }
        guard let folder = try? RepositoryFolder.open(path) else { return [] }
        var diagnostics: [Diagnostic] = []
        scan(folder, into: &diagnostics)
        return diagnostics
    }

    private static func scan(_ folder: RepositoryFolder, into diagnostics: inout [Diagnostic]) {
        guard let entries = try? folder.entries() else { return }
        for entry in entries {
            switch entry.type {
            case .folder:
                if entry.name == ".git" { continue }
                if let child = try? folder.folder(entry.name) { scan(child, into: &diagnostics) }
            case .regular:
                var scanner = PlaintextKeyDetector.Scanner()
                try? folder.stream(entry.name) { scanner.feed($0) }
                if let finding = scanner.finding { diagnostics.append(diagnostic(finding, file: entry.path)) }
            case .symbolicLink, .fifo, .socket, .device, .unknown:
                continue
            }
        }
    }

    private static func diagnostic(_ finding: PlaintextKeyDetector.Finding, file: String) -> Diagnostic {
        let advice: String
        switch finding.kind {
        case .ageIdentity:
            advice =
                "remove it from the repository (and its history) and make a new identity: it opens every sealed key, so re-seal them all to the new recipient"
        case .torSecretKey, .pemPrivateKey:
            advice =
                "remove it from the repository (and its history) and seal it: `onionops keys new` makes sealed keys, keys/<onion>.tls.age holds TLS keys"
        }
        return .error(
            .plaintextKey, "\(finding) in the clear; \(advice)",
            at: SourceLocation(file: file, line: finding.line, column: 1))
    }
}
