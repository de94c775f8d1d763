import Foundation
public import OnionOpsCore
public import OnionOpsKeys
import OnionOpsManifest

/// The sealed keys of a manifest repo, in its `keys/` folder:
///
///     keys/recipients.txt             age recipients, one per line, # comments
///     keys/<address>.onion.age        tor's hs_ed25519_secret_key, sealed
///     keys/<project>.backends.age     a softmap project's 32-byte backend secret, sealed
///     keys/<address>.onion.tls.age    a site's certificate chain and TLS key, sealed
///     keys/<project>.project.tls.age  a project's umbrella certificate and key, sealed
///
/// Sealing needs only the recipients (public); opening and checking need a
/// reconciler's identity (see `AgeIdentityLocation`). A sealed file is
/// never overwritten.
///
/// Whoever can push to the repository chooses what `keys/` holds, so it is
/// read through `RepositoryFolder`: `keys` itself and every file in it
/// must be real (a link is refused, never followed: a `recipients.txt`
/// linked to the identity once printed the identity), files are created
/// exclusively, and no message quotes a file's content.
public struct SealedKeyStore: Sendable {
    public static let recipientsFileName = "recipients.txt"
    public static let onionKeySuffix = ".onion.age"
    public static let backendSecretSuffix = ".backends.age"

    /// The `keys/` folder.
    public var folder: String
    public var sealer: AgeSealer

    /// Whether each sealed file is fsynced as it is written. A caller
    /// sealing many (`keys tls`) sets it false and calls `sync()` once at
    /// the end: 1,000 fsyncs took 2 s here, the sealing itself 0.1 s.
    public var syncEachFile = true

    /// Recipients read once for a batch (see `preparedForBatch()`); nil:
    /// `recipients.txt` is read for every file sealed.
    private var batchRecipients: [AgeX25519Recipient]?

    public init(folder: String, sealer: AgeSealer = AgeSealer()) {
        self.folder = folder
        self.sealer = sealer
    }

    /// This store with `recipients.txt` read and parsed once, for many files
    /// sealed in a row (`keys tls`: reading it per file was 8% of the run).
    public func preparedForBatch() throws(SecretsError) -> SealedKeyStore {
        var prepared = self
        var parsed: [AgeX25519Recipient] = []
        for (index, recipient) in try recipients().enumerated() {
            do {
                parsed.append(try AgeX25519Recipient(parsing: recipient))
            } catch {
                throw SecretsError(code: .badRecipient, message: "recipient \(index + 1) \(error.message)")
            }
        }
        prepared.batchRecipients = parsed
        return prepared
    }

    /// Makes every file sealed so far durable (see `syncEachFile`).
    public func sync() throws(SecretsError) {
        let keys = try openFolder()
        do {
            try keys.syncFileSystem()
        } catch {
            throw SecretsError(code: .fileSystem, message: "cannot sync \(folder): \(error.message)")
        }
    }

    /// `<address>.onion.age`.
    public static func fileName(for address: OnionAddress) -> String {
        address.description + ".age"
    }

    /// `<project>.backends.age`.
    public static func backendSecretFileName(project: String) -> String {
        project + backendSecretSuffix
    }

    /// Sealed files and `recipients.txt` are small; this bounds a runaway
    /// (and a file someone swapped for something huge).
    static let maxFileBytes = 1 << 20

    /// Recipients in `recipients.txt` text: trimmed lines, without blank
    /// lines and `#` comments (whole-line or trailing).
    public static func parseRecipients(_ text: String) -> [String] {
        numberedRecipients(text).map(\.text)
    }

    /// The recipient lines with their line numbers (from 1).
    static func numberedRecipients(_ text: String) -> [(line: Int, text: String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : (index + 1, trimmed)
        }
    }

    /// Why a recipient line is not one OnionOps seals to (an age X25519
    /// recipient, `age1...` in lower case), or nil. Says what the line is,
    /// never what it says.
    public static func recipientProblem(_ line: String) -> String? {
        // Sealing is in-process and speaks X25519 only; age's SSH
        // recipients would need Ed25519-to-X25519 and RSA-OAEP stanzas.
        if line.hasPrefix("ssh-") {
            return
                "is an SSH public key; OnionOps seals to age X25519 recipients (`age1...`, from `age-keygen -y`) only"
        }
        if SecretRedaction.containsSecret(line) || line.uppercased().contains("AGE-SECRET-KEY-") {
            return
                "holds an age identity or other secret, not a recipient: remove it, and make a new identity (this one is exposed to everyone who can read the repository)"
        }
        do {
            _ = try AgeX25519Recipient(parsing: line)
            return nil
        } catch {
            return error.message
        }
    }

    /// The recipients listed in `keys/recipients.txt`; at least one, each
    /// checked before it reaches `age` (whose errors would quote it, and
    /// whose command line every local user can read).
    public func recipients() throws(SecretsError) -> [String] {
        let path = folder + "/" + Self.recipientsFileName
        let lines = Self.numberedRecipients(String(decoding: try read(Self.recipientsFileName), as: UTF8.self))
        for (line, text) in lines {
            if let problem = Self.recipientProblem(text) {
                throw SecretsError(code: .badRecipient, message: "\(path):\(line): this line \(problem)")
            }
        }
        guard !lines.isEmpty else {
            throw SecretsError(code: .noRecipients, message: "\(path) lists no age recipients")
        }
        return lines.map(\.text)
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
        let plaintext = try await openFile(Self.fileName(for: address), identityFile: identityFile)
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
        let secret = try await openFile(Self.backendSecretFileName(project: project), identityFile: identityFile)
        do {
            return try BackendKeyDerivation(projectSecret: secret)
        } catch {
            throw SecretsError(code: .badKey, message: "\(path): \(error)")
        }
    }

    /// What the folder holds, by file name, sorted. Hidden files are
    /// skipped; links and special files are listed as refused.
    public func list() throws(SecretsError) -> Listing {
        let keys = try openFolder()
        let entries: [RepositoryFolder.Entry]
        do {
            entries = try keys.entries()
        } catch {
            throw SecretsError(code: .fileSystem, message: "cannot list \(folder): \(error.message)")
        }
        var listing = Listing()
        for entry in entries where !entry.name.hasPrefix(".") {
            let name = entry.name
            if entry.type == .folder {
                listing.unexpectedFiles.append(name)
                continue
            }
            guard entry.type == .regular else {
                listing.refusedFiles.append(name)
                continue
            }
            if name == Self.recipientsFileName { continue }
            if name.hasSuffix(Self.projectTLSSuffix), name.count > Self.projectTLSSuffix.count {
                listing.projectCertificates.append(String(name.dropLast(Self.projectTLSSuffix.count)))
            } else if name.hasSuffix(Self.tlsSuffix),
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
        /// Projects with an umbrella certificate.
        public var projectCertificates: [String] = []
        /// Anything else, e.g. a mistyped address or a plaintext key.
        public var unexpectedFiles: [String] = []
        /// Links and special files: never followed or opened.
        public var refusedFiles: [String] = []
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
        let checks: [Check] =
            listing.onionKeys.map { .onionKey($0) } + listing.backendSecretProjects.map { .backendSecret($0) }
            + listing.tlsCertificates.map { .tls(.site($0)) } + listing.projectCertificates.map { .tls(.project($0)) }
        // Opening is CPU-bound (X25519, the key's Ed25519 check): every
        // core takes a share; results keep the listing's order.
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var opened = [CheckResult?](repeating: nil, count: checks.count)
        await withTaskGroup(of: (Int, CheckResult).self) { group in
            var next = 0
            func start(_ index: Int) {
                group.addTask { (index, await check(checks[index], identityFile: identityFile)) }
            }
            while next < min(width, checks.count) {
                start(next)
                next += 1
            }
            while let (index, result) = await group.next() {
                opened[index] = result
                if next < checks.count {
                    start(next)
                    next += 1
                }
            }
        }
        var results = opened.compactMap { $0 }
        for name in listing.unexpectedFiles {
            let file = folder + "/" + name
            let problem = SecretsError(
                code: .unexpectedFile,
                message:
                    "\(file) is not a sealed key (<address>.onion.age, <address>.onion.tls.age, <project>.project.tls.age or <project>.backends.age)"
            )
            results.append(CheckResult(file: file, problem: problem))
        }
        for name in listing.refusedFiles {
            let file = folder + "/" + name
            let type = (try? openFolder())?.type(of: name) ?? .unknown
            let problem = SecretsError(code: .notRegularFile, message: "\(file) \(RepositoryFolder.refusal(type))")
            results.append(CheckResult(file: file, problem: problem))
        }
        return results
    }

    /// One sealed file for `checkAll` to open.
    private enum Check: Sendable {
        case onionKey(OnionAddress)
        case backendSecret(String)
        case tls(TLSOwner)
    }

    private func check(_ check: Check, identityFile: String) async -> CheckResult {
        let file = Self.checkedFile(check, folder: folder)
        do throws(SecretsError) {
            switch check {
            case .onionKey(let address): _ = try await open(address, identityFile: identityFile)
            case .backendSecret(let project):
                _ = try await openBackendDerivation(project: project, identityFile: identityFile)
            case .tls(let owner):
                let opened = try await openTLS(owner, identityFile: identityFile)
                // A chain sealed by hand with the wrong key would fail
                // only when nginx loads it, on every host at once.
                let facts: TLSCertificateFacts
                do {
                    facts = try TLSCertificateFacts(chainPEM: opened.certificatePEM)
                } catch {
                    throw SecretsError(code: .badKey, message: "\(file) \(error.message)")
                }
                guard facts.isCertified(keyPEM: opened.keyPEM) else {
                    throw SecretsError(code: .badKey, message: "\(file) holds a key that is not its certificate's")
                }
            }
            return CheckResult(file: file, problem: nil)
        } catch {
            return CheckResult(file: file, problem: error)
        }
    }

    private static func checkedFile(_ check: Check, folder: String) -> String {
        switch check {
        case .onionKey(let address): folder + "/" + fileName(for: address)
        case .backendSecret(let project): folder + "/" + backendSecretFileName(project: project)
        case .tls(let owner): folder + "/" + owner.fileName
        }
    }

    // MARK: TLS

    static let tlsSuffix = ".tls.age"

    /// `<address>.onion.tls.age`: the site's certificate PEM followed by its
    /// private key PEM, made by `onionops keys tls` or sealed by the
    /// operator from their own certificate.
    public static func tlsFileName(for address: OnionAddress) -> String {
        address.description + tlsSuffix
    }

    /// `<project>.project.tls.age`: an umbrella certificate.
    public static let projectTLSSuffix = ".project.tls.age"

    public func sealTLS(certificatePEM: String, keyPEM: String, for address: OnionAddress) async throws(SecretsError)
        -> String
    {
        try await sealTLS(certificatePEM: certificatePEM, keyPEM: keyPEM, for: .site(address))
    }

    /// Seals a new certificate file; an existing one is never replaced.
    public func sealTLS(certificatePEM: String, keyPEM: String, for owner: TLSOwner) async throws(SecretsError)
        -> String
    {
        try await sealNew(Array((certificatePEM + keyPEM).utf8), as: owner.fileName)
    }

    /// Replaces a certificate file (a renewal, an issued chain): sealed
    /// to a hidden file next to it, then renamed over it, so a reader
    /// sees the old file or the new one, never half of one.
    public func replaceTLS(certificatePEM: String, keyPEM: String, for owner: TLSOwner) async throws(SecretsError)
        -> String
    {
        let name = owner.fileName
        let path = folder + "/" + name
        let keys = try openFolder()
        guard keys.type(of: name) == .regular else {
            throw SecretsError(code: .notRegularFile, message: "\(path) is not a sealed file to replace")
        }
        let temporary = "." + name + ".new"
        if keys.exists(temporary) { try? keys.removeFile(temporary) }
        _ = try await sealNew(Array((certificatePEM + keyPEM).utf8), as: temporary)
        do {
            try keys.renameFile(temporary, to: name)
        } catch {
            try? keys.removeFile(temporary)
            throw SecretsError(code: .fileSystem, message: "cannot replace \(path): \(error.message)")
        }
        return path
    }

    /// The certificate chain and key PEMs of a site.
    public func openTLS(_ address: OnionAddress, identityFile: String) async throws(SecretsError) -> (
        certificatePEM: String, keyPEM: String
    ) {
        try await openTLS(.site(address), identityFile: identityFile)
    }

    /// The certificate chain and key PEMs of a site or a project.
    public func openTLS(_ owner: TLSOwner, identityFile: String) async throws(SecretsError) -> (
        certificatePEM: String, keyPEM: String
    ) {
        let path = folder + "/" + owner.fileName
        let text = String(decoding: try await openFile(owner.fileName, identityFile: identityFile), as: UTF8.self)
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

    private func openFile(_ name: String, identityFile: String) async throws(SecretsError) -> [UInt8] {
        let sealed = try read(name)
        do {
            return try await sealer.open(sealed, identityFile: identityFile)
        } catch {
            throw SecretsError(code: error.code, message: "\(folder)/\(name): \(error.message)")
        }
    }

    private func sealNew(_ plaintext: [UInt8], as name: String) async throws(SecretsError) -> String {
        let path = folder + "/" + name
        let keys = try openFolder()
        guard !keys.exists(name) else {
            throw SecretsError(code: .alreadyExists, message: "\(path) exists; sealed keys are never replaced")
        }
        let sealed =
            if let batchRecipients {
                try AgeSealer.seal(plaintext, to: batchRecipients)
            } else {
                try await sealer.seal(plaintext, to: try recipients())
            }
        do {
            // An exclusive create that never follows a link: if another run
            // wrote the file meanwhile, this fails instead of replacing it.
            try keys.createFile(name, sealed, durable: syncEachFile)
        } catch {
            if keys.exists(name) {
                throw SecretsError(code: .alreadyExists, message: "\(path) exists; sealed keys are never replaced")
            }
            throw SecretsError(code: .fileSystem, message: "cannot write \(path): \(error.message)")
        }
        return path
    }

    /// The keys folder itself; `keys` must be a real folder, not a link.
    /// The path above it is the operator's and is resolved normally.
    private func openFolder() throws(SecretsError) -> RepositoryFolder {
        var trimmed = folder
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        let parent = (trimmed as NSString).deletingLastPathComponent
        let name = (trimmed as NSString).lastPathComponent
        do {
            guard !name.isEmpty, name != "/", name != ".", name != ".." else {
                return try RepositoryFolder.open(trimmed)
            }
            return try RepositoryFolder.open(parent.isEmpty ? "." : parent).folder(name)
        } catch {
            let code: SecretsError.Code = error.message.hasPrefix("is ") ? .notRegularFile : .fileSystem
            throw SecretsError(code: code, message: "\(folder): \(error.message)")
        }
    }

    /// A file of the folder, refused unless it is a regular file.
    private func read(_ name: String) throws(SecretsError) -> [UInt8] {
        let path = folder + "/" + name
        let keys = try openFolder()
        let content: ManifestFile.Content
        do {
            content = try keys.read(name, maxBytes: Self.maxFileBytes)
        } catch {
            let code: SecretsError.Code = error.message.hasPrefix("is ") ? .notRegularFile : .fileSystem
            throw SecretsError(code: code, message: "\(path) \(error.message)")
        }
        switch content {
        case .bytes(let bytes): return bytes
        case .oversized(let size):
            throw SecretsError(
                code: .fileSystem, message: "\(path) is \(size) bytes; sealed files are at most \(Self.maxFileBytes)")
        case .refused(let reason):
            throw SecretsError(code: .notRegularFile, message: "\(path) \(reason)")
        }
    }
}
