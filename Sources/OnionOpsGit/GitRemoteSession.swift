import CLibGit2
import Foundation
import OnionOpsCore

/// What libgit2's remote callbacks need during one clone or fetch: which
/// keys to offer, how far through them it is, and the host key check.
///
/// libgit2 calls back synchronously on the calling thread, with this object
/// as the payload; the caller keeps it alive for the call. libgit2 reports
/// a refusing callback only as "callback failed", so the reason is kept
/// here for the error message.
final class GitRemoteSession {
    let remote: GitRemoteURL
    let options: GitSSHOptions
    private var offered = 0
    private lazy var keys: [GitSSHOptions.Key] = options.keys

    /// Why a callback refused, when one did.
    private(set) var failure: GitError?

    init(remote: GitRemoteURL, options: GitSSHOptions) {
        self.remote = remote
        self.options = options
    }

    /// Points `callbacks` at this session.
    func install(into callbacks: inout git_remote_callbacks) {
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.credentials = { out, _, username, allowed, payload in
            guard let out, let payload else { return GIT_EUSER.rawValue }
            let session = Unmanaged<GitRemoteSession>.fromOpaque(payload).takeUnretainedValue()
            return session.credential(out, username: username.map { String(cString: $0) }, allowed: allowed)
        }
        callbacks.certificate_check = { cert, _, host, payload in
            guard let cert, let payload else { return GIT_EUSER.rawValue }
            // TLS certificates: libgit2's own verdict stands.
            guard cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else { return 1 }
            let session = Unmanaged<GitRemoteSession>.fromOpaque(payload).takeUnretainedValue()
            let hostKey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
            return session.check(hostKey, host: host.map { String(cString: $0) } ?? "")
        }
    }

    private func credential(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, username: String?, allowed: UInt32
    ) -> Int32 {
        let user = username ?? NSUserName()
        if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
            return git_credential_username_new(out, user)
        }
        // Not SSH (https asking for a password): as if no callback were set.
        guard allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 else { return GIT_PASSTHROUGH.rawValue }
        // libgit2 asks again after each refused key; offer the next.
        guard offered < keys.count else {
            let tried = keys.map { key in
                switch key {
                case .agent: "ssh-agent"
                case .file(let path): path
                }
            }
            failure = GitError(
                code: .clone,
                message: tried.isEmpty
                    ? "no SSH key to offer \(user)@\(host): no ssh-agent and no ~/.ssh/id_* key"
                    : "\(user)@\(host) refused every key offered (\(tried.joined(separator: ", ")))")
            return GIT_EAUTH.rawValue
        }
        let key = keys[offered]
        offered += 1
        switch key {
        case .agent:
            return git_credential_ssh_key_from_agent(out, user)
        case .file(let path):
            let publicKey = path + ".pub"
            let hasPublicKey = FileManager.default.fileExists(atPath: publicKey)
            return git_credential_ssh_key_new(out, user, hasPublicKey ? publicKey : nil, path, nil)
        }
    }

    private var host: String {
        if case .ssh(let host, _) = remote.kind { return host }
        return remote.display
    }

    /// 0 when the key is in a known_hosts file (and not revoked there).
    private func check(_ hostKey: git_cert_hostkey, host: String) -> Int32 {
        var port: Int?
        if case .ssh(_, let urlPort) = remote.kind { port = urlPort }
        let name = port.map { $0 == 22 ? host : "[\(host)]:\($0)" } ?? host
        var raw: [UInt8]?
        if hostKey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let bytes = hostKey.hostkey {
            raw = Array(UnsafeRawBufferPointer(start: bytes, count: hostKey.hostkey_len))
        }
        var fingerprint: [UInt8]?
        if hostKey.type.rawValue & GIT_CERT_SSH_SHA256.rawValue != 0 {
            fingerprint = withUnsafeBytes(of: hostKey.hash_sha256) { Array($0) }
        }
        func matches(_ known: [UInt8]) -> Bool {
            if let raw { return raw == known }
            if let fingerprint { return FileDrift.sha256Hex(known) == Hex.encode(fingerprint) }
            return false
        }
        let files = options.effectiveKnownHostsFiles.filter { FileManager.default.fileExists(atPath: $0) }
        do throws(GitError) {
            let tool = try ToolRun()
            defer { tool.remove() }
            for file in files {
                let found = try tool.run(options.sshKeygen, ["-F", name, "-f", file])
                for line in found.stdout.split(separator: "\n") where !line.hasPrefix("#") {
                    var fields = line.split(separator: " ", omittingEmptySubsequences: true)
                    var marker: Substring?
                    if let first = fields.first, first.hasPrefix("@") {
                        marker = first
                        fields.removeFirst()
                    }
                    guard fields.count >= 3, let known = Data(base64Encoded: String(fields[2])) else { continue }
                    guard matches(Array(known)) else { continue }
                    if marker == "@revoked" {
                        failure = GitError(code: .hostKey, message: "the host key of \(name) is revoked in \(file)")
                        return GIT_ECERTIFICATE.rawValue
                    }
                    // Host certificates are not checked: only plain keys count.
                    if marker == nil { return 0 }
                }
            }
        } catch {
            failure = error
            return GIT_ECERTIFICATE.rawValue
        }
        let shown = fingerprint.map { "SHA256:" + Data($0).base64EncodedString().trimmingCharacters(in: ["="]) }
        failure = GitError(
            code: .hostKey,
            message: "the host key of \(name)\(shown.map { " (\($0))" } ?? "") is not in "
                + (files.isEmpty ? "any known_hosts file" : files.joined(separator: " or "))
                + ": add it (ssh-keyscan) after checking it")
        return GIT_ECERTIFICATE.rawValue
    }

}
