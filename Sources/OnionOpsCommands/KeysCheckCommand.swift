import ArgumentParser
import OnionOpsCore
import OnionOpsSecrets

/// `onionops keys check [PATH]`.
struct KeysCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Prove every sealed key opens with the identity and matches its address; find missing keys.",
        discussion: "Exit codes: 0 all good, 1 a key is missing, unreadable or does not match."
    )

    @Argument(help: "The manifest folder.")
    var path: String = "manifests"

    @OptionGroup var identity: IdentityOptions

    init() {}

    func run() async throws {
        let set = try await ManifestSet.load(path)
        let store = set.store
        let identityFile = identity.location.path
        Console.err("checking \(set.keysFolder) with the age identity \(identity.location)")
        var problems = 0
        do {
            for result in try await store.checkAll(identityFile: identityFile) {
                if let problem = result.problem {
                    Console.err("\(result.file): error: \(problem)")
                    problems += 1
                } else {
                    Console.out("ok  \(result.file)")
                }
            }
            let listing = try store.list()
            let sealed = Set(listing.onionKeys.map(\.description))
            let certificates = Set(listing.tlsCertificates.map(\.description))
            for project in set.topology.projects {
                for site in project.sites where !sealed.contains(site.onion) {
                    Console.err("\(set.keysFolder): error: no sealed key for \(site.onion) (project \(project.name))")
                    problems += 1
                }
                let umbrella = project.nginx.tls.scope == .project
                if umbrella, !project.sites.isEmpty, !listing.projectCertificates.contains(project.name) {
                    Console.err(
                        "\(set.keysFolder): error: no umbrella TLS certificate for project \(project.name) (tls.scope: project); `onionops keys tls \(path)` makes one"
                    )
                    problems += 1
                }
                for site in project.sites where !umbrella && !certificates.contains(site.onion) {
                    Console.err(
                        "\(set.keysFolder): error: no TLS certificate for \(site.onion) (project \(project.name)); `onionops keys tls \(path)` makes one"
                    )
                    problems += 1
                }
                if project.mode == .softmap, !listing.backendSecretProjects.contains(project.name) {
                    Console.err("\(set.keysFolder): error: no backend secret for softmap project \(project.name)")
                    problems += 1
                }
            }
        } catch {
            Console.err("error: \(error)")
            throw ExitCode(1)
        }
        if problems > 0 {
            Console.err("\(path): \(problems) key \(DiagnosticReport.plural(problems, "problem"))")
            throw ExitCode(1)
        }
        Console.err("\(path): every key present, opens with \(identity.location) and matches")
    }
}
