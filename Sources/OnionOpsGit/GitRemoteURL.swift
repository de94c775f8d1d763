import Foundation

/// What a remote URL names, decided the way libgit2 decides it: a scheme
/// (`ssh://`, `file://`, ...), else scp-like `[user@]host:path` (a colon
/// before any slash), else a local path.
struct GitRemoteURL {
    enum Kind: Equatable {
        case local(path: String)
        case ssh(host: String, port: Int?)
        case network
    }

    let url: String
    let kind: Kind
    /// The scheme, lowercased, when the URL has one.
    private(set) var scheme: String?

    /// `http://` and `git://` authenticate neither the server nor what it
    /// sends: anyone on the network path can serve other commits.
    static let unauthenticatedSchemes: Set<String> = ["http", "git"]

    var isUnauthenticated: Bool { scheme.map(Self.unauthenticatedSchemes.contains) ?? false }

    /// Schemes libgit2 1.5 (built with libssh2) can fetch from.
    static let sshSchemes: Set<String> = ["ssh", "ssh+git", "git+ssh"]
    static let networkSchemes: Set<String> = ["http", "https", "git"]

    init(_ url: String) throws(GitError) {
        self.url = url
        if let range = url.range(of: "://") {
            let scheme = url[..<range.lowerBound].lowercased()
            self.scheme = scheme
            if scheme == "file" {
                guard let components = URLComponents(string: url), !components.path.isEmpty else {
                    throw GitError(code: .unsupported, message: "cannot read the file URL \(url)")
                }
                kind = .local(path: components.path)
            } else if Self.sshSchemes.contains(scheme) {
                guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
                    throw GitError(code: .unsupported, message: "cannot read the SSH URL \(Self.redacted(url))")
                }
                kind = .ssh(host: host, port: components.port)
            } else if Self.networkSchemes.contains(scheme) {
                kind = .network
            } else {
                throw GitError(
                    code: .unsupported,
                    message: "unsupported URL scheme '\(scheme)' in \(Self.redacted(url)) "
                        + "(use a path, file://, ssh://, user@host:path or https://)")
            }
            return
        }
        if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/"), colon != url.startIndex {
            let userHost = url[..<colon]
            let host = userHost.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            kind = .ssh(host: host, port: nil)
            return
        }
        kind = .local(path: url)
    }

    /// The URL with any password replaced, for messages and logs.
    var display: String { Self.redacted(url) }

    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
