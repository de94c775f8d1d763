/// The comment every rendered text file starts with: which manifest object
/// it comes from, and that hand edits are overwritten.
///
/// Deliberately free of line numbers and commit ids, so moving a manifest
/// around does not change every rendered file and reload every daemon.
enum FileHeader {
    static func lines(_ subject: String, host: String) -> [String] {
        [
            "# Managed by OnionOps: \(subject), host \(host).",
            "# Rendered from the manifests; edits here are overwritten.",
        ]
    }
}
