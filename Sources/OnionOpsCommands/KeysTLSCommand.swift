import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsKeys
import OnionOpsSecrets

/// `onionops keys tls [PATH]`.
struct KeysTLSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "Make and seal a self-signed TLS certificate for every site that has none yet.",
        discussion: """
            ECDSA P-256, made in-process; SANs: the onion, *.onion and each listed subdomain; lifetime \
            from the project's nginx.tls.lifetimeDays. Sites with tls.source: operator are skipped: seal \
            your own as keys/<onion>.tls.age (certificate PEM, then key PEM) with \
            `cat cert.pem key.pem | age -R keys/recipients.txt -o keys/<onion>.tls.age`.
            """
    )

    @Argument(help: "The manifest folder.")
    var path: String = "manifests"

    func run() async throws {
        let set = try await ManifestSet.load(path)
        var store = set.store
        // One file-system sync at the end instead of an fsync per file
        // (2 s for 1,000 sites); certificates can be made again.
        store.syncEachFile = false
        var existing = Set(try store.list().tlsCertificates)
        var todo: [(address: OnionAddress, subdomains: [String], factory: TLSCertificateFactory)] = []
        for project in set.topology.projects where project.nginx.tls.source == .selfSigned {
            let factory = TLSCertificateFactory(lifetimeDays: project.nginx.tls.lifetimeDays)
            for site in project.sites {
                guard case .success(let address) = OnionAddress.parse(site.onion), !existing.contains(address) else {
                    continue
                }
                // Projects sharing a site (hardmap-cpu) share its certificate.
                existing.insert(address)
                todo.append((address, site.subdomains, factory))
            }
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
        for line in lines { Console.out(line) }
        let made = todo.count
        try store.sync()
        Console.err("\(path): \(made) \(DiagnosticReport.plural(made, "certificate")) made")
    }

    private func sealAll(
        _ todo: [(address: OnionAddress, subdomains: [String], factory: TLSCertificateFactory)],
        into batch: SealedKeyStore, lines: inout [String]
    ) async throws {
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 0
            func start(_ index: Int) {
                let job = todo[index]
                group.addTask {
                    let certificate = try job.factory.makeCertificate(
                        for: job.address, subdomains: job.subdomains, now: Date())
                    let file = try await batch.sealTLS(
                        certificatePEM: certificate.certificatePEM, keyPEM: certificate.privateKeyPEM, for: job.address)
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
}
