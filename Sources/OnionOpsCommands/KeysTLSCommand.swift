import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsKeys
import OnionOpsSecrets

/// `onionops keys tls [PATH]`.
struct KeysTLSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "Make, renew or replace the sealed TLS certificates of the sites.",
        discussion: """
            Without options: makes and seals a self-signed certificate for every certificate the \
            manifests call for and the repo has none of: keys/<onion>.onion.tls.age per onion, or \
            keys/<project>.project.tls.age for a project with nginx.tls.scope: project (one umbrella \
            certificate for all its onions). ECDSA P-256, made in-process; SANs: each onion, *.<onion>, \
            and for each listed subdomain <sub>.<onion> and *.<sub>.<onion>; subject: CN=<onion> (the \
            first onion for an umbrella) and nginx.tls.subject; lifetime from nginx.tls.lifetimeDays. \
            Sites with tls.source: operator are skipped.

            --renew (needs the identity): reissues the self-signed certificates that expire within \
            \(TLSSettings.renewalDays) days (all of them with --all) with the same key and the names \
            the manifests give now. Certificates issued by a CA are never reissued: they are listed, \
            to be renewed with `keys csr` and --import-chain.

            --import-chain FILE --project P (--site ONION | --umbrella) (needs the identity): seals \
            a CA-issued chain (PEM, leaf first) with the key already sealed for it (the one \
            `keys csr` signed with), refusing a chain whose leaf is not that key's. Then set \
            nginx.tls.source: operator in the project so --renew never touches it.
            """
    )

    @Argument(help: "The manifest folder.")
    var path: String = "manifests"

    @Flag(name: .long, help: "Reissue the self-signed certificates that expire soon.")
    var renew = false

    @Flag(name: .long, help: "With --renew: every self-signed certificate, whatever its expiry.")
    var all = false

    @Option(name: .long, help: ArgumentHelp("A CA-issued certificate chain to seal.", valueName: "file"))
    var importChain: String?

    @Option(name: .long, help: "With --import-chain: the project.")
    var project: String?

    @Option(name: .long, help: "With --import-chain: the site's onion.")
    var site: String?

    @Flag(name: .long, help: "With --import-chain: the project's umbrella certificate.")
    var umbrella = false

    @OptionGroup var identity: IdentityOptions

    func validate() throws {
        if all && !renew { throw ValidationError("--all goes with --renew") }
        if renew && importChain != nil { throw ValidationError("--renew and --import-chain are separate runs") }
        if importChain != nil, project == nil {
            throw ValidationError("--import-chain needs --project (and --site ONION or --umbrella)")
        }
        if importChain == nil, project != nil || site != nil || umbrella {
            throw ValidationError("--project, --site and --umbrella go with --import-chain")
        }
    }

    func run() async throws {
        let set = try await ManifestSet.load(path)
        if let importChain, let project {
            try await importIssuedChain(importChain, project: project, set: set)
        } else if renew {
            try await renewCertificates(set)
        } else {
            try await makeMissing(set)
        }
    }

    // MARK: Missing certificates

    private func makeMissing(_ set: ManifestSet) async throws {
        let lines = try await Self.makeMissing(in: set)
        for line in lines { Console.out(line) }
        Console.err("\(path): \(lines.count) \(DiagnosticReport.plural(lines.count, "certificate")) made")
    }

    /// Makes and seals every self-signed certificate the manifests call for
    /// and the repo lacks; one `sealed FILE (valid until ...)` line each.
    static func makeMissing(in set: ManifestSet) async throws -> [String] {
        var store = set.store
        // One file-system sync at the end instead of an fsync per file
        // (2 s for 1,000 sites); certificates can be made again.
        store.syncEachFile = false
        let listing = try store.list()
        let existing =
            Set(listing.tlsCertificates.map { TLSOwner.site($0) })
            .union(listing.projectCertificates.map { TLSOwner.project($0) })
        let todo = CertificateJob.all(in: set.topology).filter {
            $0.source == .selfSigned && !existing.contains($0.owner)
        }
        let batch = todo.isEmpty ? store : try store.preparedForBatch()
        // Made and sealed on every core (CPU-bound: ECDSA keys, X25519),
        // reported in manifest order.
        var lines = [String](repeating: "", count: todo.count)
        do {
            try await sealAll(todo, into: batch, lines: &lines)
        } catch {
            // What was sealed before the failure is kept, and made durable.
            try? batch.sync()
            throw error
        }
        try store.sync()
        return lines
    }

    private static func sealAll(_ todo: [CertificateJob], into batch: SealedKeyStore, lines: inout [String])
        async throws
    {
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 0
            func start(_ index: Int) {
                let job = todo[index]
                group.addTask {
                    let certificate = try job.factory.makeCertificate(
                        commonName: job.commonName, dnsNames: job.dnsNames, now: Date())
                    let file = try await batch.sealTLS(
                        certificatePEM: certificate.certificatePEM, keyPEM: certificate.privateKeyPEM, for: job.owner)
                    return (index, "sealed \(file) (valid until \(certificate.notValidAfter))")
                }
            }
            while next < min(width, todo.count) {
                start(next)
                next += 1
            }
            while let (index, line) = try await group.next() {
                lines[index] = line
                if next < todo.count {
                    start(next)
                    next += 1
                }
            }
        }
    }

    // MARK: Renewal

    /// Same key: a CSR made from it and still at the CA stays valid, and
    /// nothing pins a self-signed key; a new key is one `rm` and a
    /// `keys tls` away.
    private func renewCertificates(_ set: ManifestSet) async throws {
        let store = set.store
        let identityFile = identity.location.path
        let listing = try store.list()
        let existing =
            Set(listing.tlsCertificates.map { TLSOwner.site($0) })
            .union(listing.projectCertificates.map { TLSOwner.project($0) })
        let now = Date()
        var renewed = 0
        var problems = 0
        for job in CertificateJob.all(in: set.topology) where existing.contains(job.owner) {
            let file = "\(set.keysFolder)/\(job.owner.fileName)"
            let opened = try await store.openTLS(job.owner, identityFile: identityFile)
            let facts = try TLSCertificateFacts(chainPEM: opened.certificatePEM)
            let due =
                all
                || CertificateExpiry.check(
                    facts, subject: job.owner.description, now: now, withinDays: TLSSettings.renewalDays) != nil
            guard due else { continue }
            guard job.source == .selfSigned, facts.isSelfIssued else {
                Console.err(
                    "\(file): warning: issued by a CA, valid until \(facts.notValidAfter): renew it with your CA "
                        + "(`onionops keys csr`, then `keys tls --import-chain`)")
                problems += 1
                continue
            }
            let certificate = try job.factory.makeCertificate(
                commonName: job.commonName, dnsNames: job.dnsNames, keyPEM: opened.keyPEM, now: now)
            let written = try await store.replaceTLS(
                certificatePEM: certificate.certificatePEM, keyPEM: certificate.privateKeyPEM, for: job.owner)
            Console.out(
                "renewed \(written) (was valid until \(facts.notValidAfter), now until \(certificate.notValidAfter))")
            renewed += 1
        }
        Console.err("\(path): \(renewed) \(DiagnosticReport.plural(renewed, "certificate")) renewed")
        if problems > 0 { throw ExitCode(1) }
    }

    // MARK: An issued chain

    private func importIssuedChain(_ chainFile: String, project: String, set: ManifestSet) async throws {
        let job: CertificateJob
        switch CertificateJob.named(in: set.topology, project: project, site: site, umbrella: umbrella) {
        case .success(let named): job = named
        case .failure(let error):
            Console.err("error: \(error)")
            throw ExitCode(1)
        }
        let chain: String
        do {
            // Off the cooperative pool, as every other disk read.
            chain = try await BlockingPool.shared.run { try String(contentsOfFile: chainFile, encoding: .utf8) }
        } catch {
            Console.err("error: cannot read \(chainFile): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        guard !chain.contains("PRIVATE KEY-----") else {
            // The key stays sealed; a chain file carrying one is refused
            // rather than guessed at.
            Console.err("error: \(chainFile) holds a private key; pass the certificate chain only")
            throw ExitCode(1)
        }
        let store = set.store
        let file = "\(set.keysFolder)/\(job.owner.fileName)"
        let sealed = try await store.openTLS(job.owner, identityFile: identity.location.path)
        let facts: TLSCertificateFacts
        do {
            facts = try TLSCertificateFacts(chainPEM: chain)
        } catch {
            Console.err("error: \(chainFile) \(error.message)")
            throw ExitCode(1)
        }
        guard facts.isCertified(keyPEM: sealed.keyPEM) else {
            Console.err(
                "error: \(chainFile) certifies another key than the one sealed in \(file); "
                    + "was the CSR made with `onionops keys csr` for this \(umbrella ? "project" : "site")?")
            throw ExitCode(1)
        }
        let missing = job.dnsNames.filter { !facts.dnsNames.contains($0) }
        if !missing.isEmpty {
            Console.err(
                "\(chainFile): warning: the certificate does not name \(missing.joined(separator: ", ")); "
                    + "browsers will refuse those names")
        }
        if facts.notValidAfter <= Date() {
            Console.err("error: \(chainFile) expired on \(facts.notValidAfter)")
            throw ExitCode(1)
        }
        var pem = chain.trimmingCharacters(in: .whitespacesAndNewlines)
        pem += "\n"
        let written = try await store.replaceTLS(certificatePEM: pem, keyPEM: sealed.keyPEM, for: job.owner)
        Console.out("sealed the issued chain in \(written) (valid until \(facts.notValidAfter))")
        if job.source != .operatorProvided {
            Console.err(
                "\(path): set nginx.tls.source: operator in project \(job.project), so `keys tls --renew` "
                    + "never replaces it with a self-signed certificate")
        }
    }
}
