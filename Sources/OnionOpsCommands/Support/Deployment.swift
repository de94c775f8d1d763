import ArgumentParser
import OnionOpsCore
import OnionOpsRender

/// A validated topology rendered for its hosts with its keys: what
/// `reconcile`, `status` and `rollback` work from.
struct Deployment {
    var set: ManifestSet
    var desired: DesiredState
    var hosts: [Host]
    /// Names what is applied: `--revision`, else a hash of the rendered
    /// state, so the same manifests always give the same revision.
    var revision: String

    static func load(
        _ path: String, identity: IdentityOptions, hosts selection: [String], revision: String?,
        output: OutputFormat = .text
    ) async throws -> Deployment {
        let set = try await ManifestSet.load(path, output: output)
        let keyring = try await set.keyring(identity, withKeyFiles: true)
        let desired = try Renderer(identities: keyring.identities, keys: keyring.material).render(set.topology)
        var hosts = set.topology.hosts
        if !selection.isEmpty {
            let unknown = selection.filter { name in !hosts.contains { $0.name == name } }
            guard unknown.isEmpty else {
                Console.err(
                    "error: no host \(unknown.joined(separator: ", ")) in \(path); hosts: "
                        + hosts.map(\.name).joined(separator: ", "))
                throw ExitCode(1)
            }
            hosts = hosts.filter { selection.contains($0.name) }
        }
        return Deployment(
            set: set, desired: desired, hosts: hosts, revision: revision ?? Self.fingerprint(desired))
    }

    /// `state-<12 hex>`: SHA-256 over every host's generation MANIFEST.
    static func fingerprint(_ desired: DesiredState) -> String {
        let manifests = desired.hosts.map { Generation(number: 0, commit: "", state: $0).manifest }
        return "state-" + FileDrift.sha256Hex(Array(manifests.joined().utf8)).prefix(12)
    }
}
