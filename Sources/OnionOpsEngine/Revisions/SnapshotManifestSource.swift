import OnionOpsManifest

/// Intake from a snapshot's bytes: the files were read once, with the
/// digest; nothing is read again.
struct SnapshotManifestSource: ManifestSource {
    var snapshot: RevisionSnapshot

    var displayName: String { snapshot.revision.folder }

    func manifestFiles(maxBytes: Int) async throws(SourceError) -> [ManifestFile] {
        try snapshot.manifests.get()
    }
}
