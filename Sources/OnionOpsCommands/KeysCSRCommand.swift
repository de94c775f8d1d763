import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsKeys
import OnionOpsSecrets

/// `onionops keys csr [PATH] --project P (--site ONION | --umbrella)`.
struct KeysCSRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csr",
        abstract: "Write a certificate signing request for a CA-issued onion certificate.",
        discussion: """
            A PKCS#10 request (PEM) signed with the TLS key sealed for the site (--site) or for the \
            project's umbrella certificate (--umbrella, nginx.tls.scope: project). Its subject is \
            CN=<onion> plus nginx.tls.subject; it asks for every name of the certificate in a \
            subjectAltName: each onion, *.<onion>, <sub>.<onion> and *.<sub>.<onion>. If nothing is \
            sealed yet, a self-signed certificate and its key are made and sealed first, so the site \
            serves meanwhile and the issued chain fits the key (`keys tls --import-chain`).

            CAs (HARICA, DigiCert) also want proof of control of each onion (CA/B Forum Baseline \
            Requirements, appendix B): either a change to the site they fetch over Tor, or a second \
            request signed with the onion's own Ed25519 key carrying their nonce. OnionOps does not \
            make that second request; see docs/MANIFESTS.md.
            """
    )

    @Argument(help: "The manifest folder.")
    var path: String = "manifests"

    @Option(name: .long, help: "The project.")
    var project: String

    @Option(name: .long, help: "The site's onion (a project with a certificate per onion).")
    var site: String?

    @Flag(name: .long, help: "The project's umbrella certificate (nginx.tls.scope: project).")
    var umbrella = false

    @Option(name: .long, help: ArgumentHelp("Write the request here (default: standard output).", valueName: "file"))
    var out: String?

    @OptionGroup var identity: IdentityOptions

    func run() async throws {
        let set = try await ManifestSet.load(path)
        let job: CertificateJob
        switch CertificateJob.named(in: set.topology, project: project, site: site, umbrella: umbrella) {
        case .success(let named): job = named
        case .failure(let error):
            Console.err("error: \(error)")
            throw ExitCode(1)
        }
        let store = set.store
        let keyPEM: String
        if try store.list().contains(job.owner) {
            keyPEM = try await store.openTLS(job.owner, identityFile: identity.location.path).keyPEM
        } else {
            let made = try job.factory.makeCertificate(
                commonName: job.commonName, dnsNames: job.dnsNames, now: Date())
            let file = try await store.sealTLS(
                certificatePEM: made.certificatePEM, keyPEM: made.privateKeyPEM, for: job.owner)
            Console.err("sealed a new key with a self-signed certificate in \(file)")
            keyPEM = made.privateKeyPEM
        }
        let request = try job.factory.makeRequest(commonName: job.commonName, dnsNames: job.dnsNames, keyPEM: keyPEM)
        if let out {
            do {
                try Data((request + "\n").utf8).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting)
            } catch {
                Console.err("error: cannot write \(out): \(error.localizedDescription)")
                throw ExitCode(1)
            }
            Console.err("wrote \(out): a request for \(job.dnsNames.joined(separator: ", "))")
        } else {
            Console.out(request)
        }
    }
}

extension SealedKeyStore.Listing {
    func contains(_ owner: TLSOwner) -> Bool {
        switch owner {
        case .site(let address): tlsCertificates.contains(address)
        case .project(let name): projectCertificates.contains(name)
        }
    }
}
