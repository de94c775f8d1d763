import Foundation
public import OnionOpsCore
public import OnionOpsKeys

/// The sealed keys of a manifest repo, in its `keys/` folder:
///
///     keys/recipients.txt             age recipients, one per line, # comments
///     keys/<address>.onion.age        tor's hs_ed25519_secret_key, sealed
///     keys/<project>.backends.age     a softmap project's 32-byte backend secret, sealed
///
/// Sealing needs only the recipients (public); opening and checking need a
/// reconciler's identity (see `AgeIdentityLocation`). A sealed file is
/// never overwritten.
public struct SealedKeyStore: Sendable {
    public static let recipientsFileName = "recipients.txt"
    public static let onionKeySuffix = ".onion.age"
    public static let backendSecretSuffix = ".backends.age"

    /// The `keys/` folder.
    public var folder: String
    public var sealer: AgeSealer

    public init(folder: String, sealer: AgeSealer = AgeSealer()) {
        self.folder = folder
        self.sealer = sealer
    }

    /// `<address>.onion.age`.
    public static func fileName(for address: OnionAddress) -> String {
        address.description + ".age"
    }

    /// `<project>.backends.age`.
    public static func backendSecretFileName(project: String) -> String {
        project + backendSecretSuffix
    }

    /// Recipients in `recipients.txt` text: trimmed lines, without blank
    /// lines and `#` comments (whole-line or trailing).
    public static func parseRecipients(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = content.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// The recipients listed in `keys/recipients.txt`; at least one.
    public func recipients() throws(SecretsError) -> [String] {
        let path = folder + "/" + Self.recipientsFileName
        let recipients = Self.parseRecipients(String(decoding: try read(path), as: UTF8.self))
        guard !recipients.isEmpty else {
            throw SecretsError(code: .noRecipients, message: "\(path) lists no age recipients")
        }
        return recipients
    }

    /// Seals `key` (tor's secret key file) to the recipients and writes
    /// `keys/<address>.onion.age`; returns its path.
    @discardableResult
    public func seal(_ key: OnionKey) async throws(SecretsError) -> String {
        try await sealNew(key.torSecretKeyFile, as: Self.fileName(for: key.address))
    }

    /// The key sealed for `address`, checked: tor's exact format, and the
    /// public key it derives is the one the file name promises.
    public func open(_ address: OnionAddress, identityFile: String) async throws(SecretsError) -> OnionKey {
        let path = folder + "/" + Self.fileName(for: address)
        let plaintext = try await openFile(path, identityFile: identityFile)
        let key: OnionKey
        do {
            key = try OnionKey(torSecretKeyFile: plaintext)
        } catch {
            throw SecretsError(code: .badKey, message: "\(path): \(error)")
        }
        guard key.address == address else {
            throw SecretsError(code: .addressMismatch, message: "\(path) holds the key of \(key.address)")
        }
        return key
    }

    /// Seals a softmap project's backend secret (see `BackendKeyDerivation`)
    /// as `keys/<project>.backends.age`; returns its path.
    @discardableResult
    public func sealBackendSecret(_ secret: [UInt8], project: String) async throws(SecretsError) -> String {
        guard secret.count == BackendKeyDerivation.secretLength else {
            throw SecretsError(code: .badKey, message: "a backend secret is 32 bytes, not \(secret.count)")
        }
        return try await sealNew(secret, as: Self.backendSecretFileName(project: project))
    }

    /// A project's backend key derivation, from its sealed secret.
    public func openBackendDerivation(project: String, identityFile: String) async throws(SecretsError)
        -> BackendKeyDerivation
    {
        let path = folder + "/" + Self.backendSecretFileName(project: project)
        let secret = try await openFile(path, identityFile: identityFile)
        do {
            return try BackendKeyDerivation(projectSecret: secret)
        } catch {
            throw SecretsError(code: .badKey, message: "\(path): \(error)")
        }
    }

    /// What the folder holds, by file name, sorted. Hidden files are skipped.
    public func list() throws(SecretsError) -> Listing {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            throw SecretsError(code: .fileSystem, message: "cannot list \(folder): \(error.localizedDescription)")
        }
        var listing = Listing()
        for name in names where !name.hasPrefix(".") {
            if name == Self.recipientsFileName { continue }
            if name.hasSuffix(Self.tlsSuffix),
                case .success(let address) = OnionAddress.parse(String(name.dropLast(Self.tlsSuffix.count)))
            {
                listing.tlsCertificates.append(address)
            } else if name.hasSuffix(Self.onionKeySuffix),
                case .success(let address) = OnionAddress.parse(String(name.dropLast(".age".count)))
            {
                listing.onionKeys.append(address)
            } else if name.hasSuffix(Self.backendSecretSuffix), name.count > Self.backendSecretSuffix.count {
                listing.backendSecretProjects.append(String(name.dropLast(Self.backendSecretSuffix.count)))
            } else {
                listing.unexpectedFiles.append(name)
            }
        }
        return listing
    }

    /// The files of the keys folder, classified by name.
    public struct Listing: Sendable, Hashable {
        public var onionKeys: [OnionAddress] = []
        public var backendSecretProjects: [String] = []
        public var tlsCertificates: [OnionAddress] = []
        /// Anything else, e.g. a mistyped address or a plaintext key.
        public var unexpectedFiles: [String] = []
    }

    /// One file's check: nil `problem` means it opened and matched.
    public struct CheckResult: Sendable, Hashable {
        public var file: String
        public var problem: SecretsError?
    }

    /// Opens every sealed file with `identityFile` and checks it (an onion
    /// key against its file name, a backend secret's length); unexpected
    /// files are reported too. Every file gets a result; none stops the rest.
    public func checkAll(identityFile: String) async throws(SecretsError) -> [CheckResult] {
        let listing = try list()
        var results: [CheckResult] = []
        for address in listing.onionKeys {
            let file = folder + "/" + Self.fileName(for: address)
            do {
                _ = try await open(address, identityFile: identityFile)
                results.append(CheckResult(file: file, problem: nil))
            } catch {
                results.append(CheckResult(file: file, problem: error))
            }
        }
        for project in listing.backendSecretProjects {
            let file = folder + "/" + Self.backendSecretFileName(project: project)
            do {
                _ = try await openBackendDerivation(project: project, identityFile: identityFile)
                results.append(CheckResult(file: file, problem: nil))
            } catch {
                results.append(CheckResult(file: file, problem: error))
            }
        }
        for address in listing.tlsCertificates {
            let file = folder + "/" + Self.tlsFileName(for: address)
            do {
                _ = try await openTLS(address, identityFile: identityFile)
                results.append(CheckResult(file: file, problem: nil))
            } catch {
                results.append(CheckResult(file: file, problem: error))
            }
        }
        for name in listing.unexpectedFiles {
            let file = folder + "/" + name
            let problem = SecretsError(
                code: .unexpectedFile,
                message:
                    "\(file) is not a sealed key (<address>.onion.age, <address>.onion.tls.age or <project>.backends.age)"
            )
            results.append(CheckResult(file: file, problem: problem))
        }
        return results
    }

    // MARK: TLS

    static let tlsSuffix = ".tls.age"

    /// `<address>.onion.tls.age`: the site's certificate PEM followed by its
    /// private key PEM, made by `onionops keys tls` or sealed by the
    /// operator from their own certificate.
    public static func tlsFileName(for address: OnionAddress) -> String {
        address.description + tlsSuffix
    }

    public func sealTLS(certificatePEM: String, keyPEM: String, for address: OnionAddress) async throws(SecretsError)
        -> String
    {
        try await sealNew(Array((certificatePEM + keyPEM).utf8), as: Self.tlsFileName(for: address))
    }

    /// The certificate chain and key PEMs of a site.
    public func openTLS(_ address: OnionAddress, identityFile: String) async throws(SecretsError) -> (
        certificatePEM: String, keyPEM: String
    ) {
        let path = folder + "/" + Self.tlsFileName(for: address)
        let text = String(decoding: try await openFile(path, identityFile: identityFile), as: UTF8.self)
        guard
            let keyStart = text.range(of: "-----BEGIN PRIVATE KEY-----")
                ?? text.range(of: "-----BEGIN EC PRIVATE KEY-----"),
            text.contains("-----BEGIN CERTIFICATE-----")
        else {
            throw SecretsError(
                code: .badKey, message: "\(path) does not hold a certificate PEM followed by a private key PEM")
        }
        return (String(text[..<keyStart.lowerBound]), String(text[keyStart.lowerBound...]))
    }

    private func openFile(_ path: String, identityFile: String) async throws(SecretsError) -> [UInt8] {
        let sealed = try read(path)
        do {
            return try await sealer.open(sealed, identityFile: identityFile)
        } catch {
            throw SecretsError(code: error.code, message: "\(path): \(error.message)")
        }
    }

    private func sealNew(_ plaintext: [UInt8], as name: String) async throws(SecretsError) -> String {
        let path = folder + "/" + name
        guard !FileManager.default.fileExists(atPath: path) else {
            throw SecretsError(code: .alreadyExists, message: "\(path) exists; sealed keys are never replaced")
        }
        let sealed = try await sealer.seal(plaintext, to: try recipients())
        do {
            // withoutOverwriting is an exclusive create: if another run
            // wrote the file meanwhile, this fails instead of replacing it.
            try Data(sealed).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch {
            if FileManager.default.fileExists(atPath: path) {
                throw SecretsError(code: .alreadyExists, message: "\(path) exists; sealed keys are never replaced")
            }
            throw SecretsError(code: .fileSystem, message: "cannot write \(path): \(error.localizedDescription)")
        }
        return path
    }

    private func read(_ path: String) throws(SecretsError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretsError(code: .fileSystem, message: "cannot read \(path)")
        }
        return Array(data)
    }
}
