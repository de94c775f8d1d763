import Foundation
public import OnionOpsCore
import OnionOpsGit
import OnionOpsHosts

/// A git branch as a revision source: fetch (libgit2, into a bare clone
/// under the state folder), resolve the remote-tracking branch, check the
/// head's SSH signature when required, and export the manifest folder and
/// its sealed keys from the commit's tree (no work tree) into
/// `<state>/revisions/<commit>`.
public struct GitRevisionSource: RevisionSource {
    public let url: String
    public let branch: String
    public let path: String
    public let stateDirectory: String
    /// With a file, the head must carry an SSH signature by a key in it.
    public let allowedSigners: String?
    /// Apply a head that does not descend from what a host runs (logged).
    public let allowNonDescendant: Bool

    public init(
        url: String, branch: String, path: String, stateDirectory: String, allowedSigners: String?,
        allowNonDescendant: Bool = false
    ) {
        self.url = url
        self.branch = branch
        self.path = path
        self.stateDirectory = stateDirectory
        self.allowedSigners = allowedSigners
        self.allowNonDescendant = allowNonDescendant
    }

    public var description: String { "\(url) branch \(branch), \(path)/" }

    public func latest() async throws(RevisionError) -> RevisionSnapshot {
        // libgit2 (and the ssh-keygen of its signature check) and the
        // export block: on libgit2's own thread, off the cooperative pool.
        let exported = await GitThread.run { () -> Result<Exported, RevisionError> in
            do throws(RevisionError) {
                return .success(try export())
            } catch {
                return .failure(error)
            }
        }
        let revision = try exported.get()
        return await RevisionSnapshot.read(
            folder: revision.folder, commit: revision.commit, summary: revision.summary, signedBy: revision.signer)
    }

    struct Exported: Sendable {
        var folder: String
        var commit: String
        var summary: String
        var signer: String?
    }

    func export() throws(RevisionError) -> Exported {
        do {
            try FileManager.default.createDirectory(
                atPath: stateDirectory + "/revisions", withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            // A signature check makes the transport's own authentication
            // unnecessary; without one, http:// and git:// are refused.
            let repository = try GitRepository.sync(
                url: url, cacheDirectory: stateDirectory + "/repos", allowUnauthenticated: allowedSigners != nil)
            let commit = try repository.resolve(branch: branch)
            var signer: String?
            if let allowedSigners {
                guard let signed = try repository.signature(of: commit.id) else {
                    throw RevisionError(
                        code: .unsigned, message: "commit \(commit.id.prefix(12)) on \(branch) is not signed",
                        revision: commit.id)
                }
                do {
                    signer = try SignatureVerifier(allowedSigners: allowedSigners).verify(
                        signature: signed.signature, payload: signed.payload)
                } catch {
                    throw RevisionError(
                        code: .untrusted,
                        message: "commit \(commit.id.prefix(12)) on \(branch): signature not trusted: \(error)",
                        revision: commit.id)
                }
            }
            let target = stateDirectory + "/revisions/" + commit.id
            let folder: String
            if FileManager.default.fileExists(atPath: target + "/.complete") {
                folder = target + "/" + path
            } else {
                try? FileManager.default.removeItem(atPath: target)
                let files = try repository.files(at: commit.id, under: path)
                folder = try GitSnapshot.export(files: files, root: path, into: target)
                _ = FileManager.default.createFile(atPath: target + "/.complete", contents: Data())
            }
            return Exported(folder: folder, commit: commit.id, summary: commit.summary, signer: signer)
        } catch let error as RevisionError {
            throw error
        } catch {
            throw RevisionError(code: .unavailable, message: "\(description): \(error)")
        }
    }

    /// The last applied commit is each host's own record
    /// (`Generation.appliedCommitPath`, written with every generation): it
    /// is what the host runs, whichever controller (another machine, a pod
    /// restarted with an empty state folder) applied it, and nobody on the
    /// controller without root on the host can change it. The controller's
    /// state folder only caches what was fetched.
    ///
    /// A host that never applied anything sets no bound. Any other record
    /// (a commit this clone does not have, a folder's or a `--revision`
    /// name) cannot be shown to be an ancestor, so it refuses too.
    public func checkLineage(_ revision: Revision, hosts: [OnionOpsCore.Host]) async throws(RevisionError) -> [String] {
        var applied: [(host: String, commit: String)] = []
        for host in hosts {
            let record: [UInt8]?
            do {
                record = try await HostConnector.transport(for: host).read([Generation.appliedCommitPath])[
                    Generation.appliedCommitPath]
            } catch {
                // Not a refusal of the revision: the next try may reach it.
                throw RevisionError(
                    code: .unavailable,
                    message: "cannot read which commit \(host.name) runs, to check that \(revision.shortID) "
                        + "descends from it: \(error.message)")
            }
            let commit = String(decoding: record ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !commit.isEmpty, commit != revision.id { applied.append((host.name, commit)) }
        }
        guard !applied.isEmpty else { return [] }
        // libgit2's walk of the history blocks: on its own thread.
        let commits = Set(applied.map(\.commit))
        let verdicts = try await GitThread.run { () throws(RevisionError) -> [String: Result<Bool, GitError>] in
            let repository: GitRepository
            do {
                repository = try GitRepository.openCached(url: url, cacheDirectory: stateDirectory + "/repos")
            } catch {
                throw RevisionError(code: .unavailable, message: "\(description): \(error)")
            }
            var verdicts: [String: Result<Bool, GitError>] = [:]
            for commit in commits {
                verdicts[commit] = Result { () throws(GitError) in try repository.descends(revision.id, from: commit) }
            }
            return verdicts
        }
        var notes: [String] = []
        for (host, commit) in applied {
            let shown = commit.count == 40 ? String(commit.prefix(12)) : "'\(commit.prefix(64))'"
            let why: String
            switch verdicts[commit] {
            case .success(true): continue
            case .success(false): why = "does not descend from \(shown), which \(host) runs"
            case .failure(let error):
                why = "cannot be shown to descend from \(shown), which \(host) runs (\(error.message))"
            case nil: why = "cannot be shown to descend from \(shown), which \(host) runs"
            }
            let line = "commit \(revision.shortID) on \(branch) \(why)"
            guard allowNonDescendant else {
                throw RevisionError(
                    code: .notDescendant,
                    message: line + ": refused, so a force-push to an older commit cannot roll the hosts back "
                        + "(--allow-non-descendant applies it on purpose)",
                    revision: revision.id)
            }
            notes.append(line + ": applied anyway (--allow-non-descendant)")
        }
        return notes
    }
}
