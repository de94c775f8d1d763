import ArgumentParser
import Foundation
import OnionOpsEngine
import OnionOpsGit

/// Where manifests come from for reconcile, drift and watch: the folder
/// argument, or a git branch (`--repo URL --branch B --path DIR`).
struct SourceOptions: ParsableArguments {
    @Option(name: .long, help: "A git repository (path, file://, ssh://, https://) to read manifests from.")
    var repo: String?

    @Option(name: .long, help: "With --repo: the branch to follow.")
    var branch = "main"

    @Option(name: .customLong("path"), help: "With --repo: the manifest folder inside the repository.")
    var repoPath = "manifests"

    @Option(name: .long, help: "With --repo: where clones and exported revisions are kept.")
    var state = "/var/lib/onionops-controller"

    @Flag(name: .long, help: "With --repo: refuse a head commit without a valid SSH signature.")
    var requireSigned = false

    @Option(name: .long, help: "With --require-signed: the ssh-keygen allowed_signers file.")
    var allowedSigners: String?

    @Flag(
        name: .long,
        help: """
            With --repo: apply a head that does not descend from the commit a host runs (refused by \
            default, so a force-push to an older commit cannot roll the hosts back); each such host is logged.
            """)
    var allowNonDescendant = false

    func validate() throws {
        if requireSigned && allowedSigners == nil {
            throw ValidationError("--require-signed needs --allowed-signers FILE")
        }
        if requireSigned && repo == nil {
            throw ValidationError("--require-signed applies to --repo")
        }
        if allowNonDescendant && repo == nil {
            throw ValidationError("--allow-non-descendant applies to --repo")
        }
        if let repo, GitRepository.isUnauthenticated(url: repo), !requireSigned {
            throw ValidationError(
                "--repo: http:// and git:// authenticate nothing, so anyone on the network path could serve "
                    + "other commits; use https:// or ssh://, or --require-signed --allowed-signers FILE")
        }
    }

    /// The revision source: the git branch, else the folder `path`.
    func source(folder path: String) -> any RevisionSource {
        guard let repo else { return FolderRevisionSource(path: path) }
        return GitRevisionSource(
            url: repo, branch: branch, path: repoPath, stateDirectory: state,
            allowedSigners: requireSigned ? allowedSigners : nil, allowNonDescendant: allowNonDescendant)
    }
}
