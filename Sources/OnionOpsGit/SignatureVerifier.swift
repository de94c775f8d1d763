import Foundation

/// Checks a commit's SSH signature with `ssh-keygen -Y` against an
/// allowed_signers file (the format of git's `gpg.ssh.allowedSignersFile`:
/// `<principal> namespaces="git" <key type> <key>`), in the "git"
/// namespace. GPG and X.509 signatures are refused: trust is only ever a
/// key in that file.
public struct SignatureVerifier: Sendable {
    public let allowedSigners: String
    public let sshKeygen: String

    public init(allowedSigners: String, sshKeygen: String = "/usr/bin/ssh-keygen") {
        self.allowedSigners = allowedSigners
        self.sshKeygen = sshKeygen
    }

    /// The principal whose allowed key made `signature` over `payload`;
    /// `.untrusted` otherwise.
    public func verify(signature: String, payload: [UInt8]) throws(GitError) -> String {
        guard signature.contains("-----BEGIN SSH SIGNATURE-----") else {
            let kind = signature.contains("-----BEGIN PGP SIGNATURE-----") ? "a GPG signature" : "not an SSH signature"
            throw GitError(
                code: .untrusted, message: "\(kind): only SSH signatures by a key in \(allowedSigners) are trusted")
        }
        guard FileManager.default.isReadableFile(atPath: allowedSigners) else {
            throw GitError(code: .io, message: "cannot read the allowed signers file \(allowedSigners)")
        }
        let tool = try ToolRun()
        defer { tool.remove() }
        let signaturePath = try tool.write("commit.sig", Array(signature.utf8))

        // Which principals hold the signing key; then the signature itself,
        // over the payload on stdin (an anonymous file: no pipe, no SIGPIPE).
        let found = try tool.run(sshKeygen, ["-Y", "find-principals", "-s", signaturePath, "-f", allowedSigners])
        let principals = found.stdout.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        guard found.status == 0, !principals.isEmpty else {
            throw GitError(
                code: .untrusted,
                message: "signed by a key that is not in \(allowedSigners)" + Self.detail(found.stderr))
        }
        var refusals: [String] = []
        for principal in principals {
            let verified = try tool.run(
                sshKeygen, ["-Y", "verify", "-f", allowedSigners, "-I", principal, "-n", "git", "-s", signaturePath],
                input: payload)
            if verified.status == 0 { return principal }
            refusals.append(principal + Self.detail(verified.stderr + verified.stdout))
        }
        throw GitError(
            code: .untrusted,
            message: "the signature does not verify for \(refusals.joined(separator: "; "))")
    }

    /// The commit's signer per this verifier: `.unsigned` when it carries
    /// no signature, `.untrusted` when it is not by an allowed key.
    public func verify(commit id: String, in repository: GitRepository) throws(GitError) -> String {
        guard let signed = try repository.signature(of: id) else {
            throw GitError(
                code: .unsigned, message: "commit \(id.prefix(12)) of \(repository.displayURL) is not signed")
        }
        return try verify(signature: signed.signature, payload: signed.payload)
    }

    private static func detail(_ output: String) -> String {
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "" : " (\(text.split(separator: "\n").joined(separator: "; ")))"
    }
}
