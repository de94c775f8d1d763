import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsKeys
import OnionOpsSecrets

/// `onionops init [DIR]`.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Start a new manifest repository: hosts, a project, keys, deployment files.",
        discussion: """
            Writes DIR (new or empty) with manifests/hosts.yaml and manifests/projects.yaml \
            (commented: what each key does and what to edit), a new onion key for the site sealed \
            in manifests/keys/ (and, for softmap, the backends' secret and a Balancer), \
            self-signed certificates, a .gitignore that keeps plaintext keys out, \
            deploy/git-hooks/post-receive and deploy/systemd/ (onionops-watch.service, \
            onionops-drift.service and .timer), and a README saying what to edit next.

            The age identity that opens the sealed keys is made fresh, outside the repository: \
            --identity, or ~/.config/onionops/<DIR name>-age-identity.txt. Its path is printed; \
            back it up. An existing identity file is never overwritten.

            --sandbox ROOT writes local sandbox hosts (ROOT/<host>, direct supervision) so \
            `reconcile --dry-run` works on this machine at once; without it hosts are SSH hosts \
            to fill in.
            """
    )

    @Argument(help: "The folder to create (new or empty).")
    var directory: String = "."

    @Option(name: .long, help: "hardmap, softmap or softmap-ha.")
    var topology: StarterTopology = .hardmap

    @Option(
        name: .long,
        help: ArgumentHelp("Host names, comma-separated (default by topology).", valueName: "a,b,c"))
    var hosts: String?

    @Option(name: .long, help: ArgumentHelp("The upstream site's domain.", valueName: "domain"))
    var upstream: String = "example.org"

    @Option(name: .long, help: ArgumentHelp("Where to write the new age identity.", valueName: "file"))
    var identity: String?

    @Option(name: .long, help: ArgumentHelp("Local sandbox hosts under this folder.", valueName: "root"))
    var sandbox: String?

    init() {}

    var hostNames: [String] {
        hosts.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? topology.defaultHosts
    }

    func validate() throws {
        let names = hostNames
        guard !names.isEmpty, names.allSatisfy(ConfigText.isValidName), Set(names).count == names.count else {
            throw ValidationError("--hosts: distinct names of lowercase letters, digits and hyphens")
        }
        if topology == .softmapHA, names.count < 2 {
            throw ValidationError("--topology softmap-ha needs at least two hosts (two publishers)")
        }
        guard ConfigText.isDNSName(upstream) else {
            throw ValidationError("--upstream '\(upstream)' is not a DNS name")
        }
        if let sandbox, !sandbox.hasPrefix("/") { throw ValidationError("--sandbox must be an absolute path") }
    }

    struct InitError: Error { var message: String }

    func run() async throws {
        let joined = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        let absolute = (joined as NSString).standardizingPath
        let identityPath = identity ?? Self.defaultIdentityPath(for: absolute)
        do {
            try await prepare(target: absolute, identityPath: identityPath)
            let recipient = try await Self.makeIdentity(at: identityPath)
            let key = OnionKey.generate()
            let repository = StarterRepository(
                topology: topology, hosts: hostNames, onion: key.address.description, upstream: upstream,
                sandboxRoot: sandbox, identityPath: identityPath)
            try await write(repository, key: key, recipient: recipient, to: absolute)
            if let sandbox { try await Self.makeSandboxRoots(sandbox, hosts: hostNames) }
            let manifests = absolute + "/manifests"
            let intake = await ManifestIntake.load(manifests)
            guard intake.isValid else {
                DiagnosticReport.printText(intake, source: manifests)
                throw InitError(message: "the new repository does not validate (a bug: please report it)")
            }
            let certificates = try await KeysTLSCommand.makeMissing(
                in: ManifestSet(path: manifests, topology: intake.topology))
            Console.out("initialised \(absolute) (\(topology.rawValue): \(hostNames.joined(separator: ", ")))")
            Console.out("  site address: \(key.address)")
            Console.out("  age identity: \(identityPath)  (new; outside the repository: back it up)")
            Console.out(
                "  sealed: the onion key\(topology == .hardmap ? "" : ", the backends' secret"), \(certificates.count) certificate(s)"
            )
            Console.out("next: edit manifests/projects.yaml (upstream) and manifests/hosts.yaml, then")
            Console.out(
                "  onionops reconcile \(directory == "." ? "" : directory + "/")manifests --dry-run --identity \(identityPath)"
            )
        } catch let error as InitError {
            Console.err("error: \(error.message)")
            throw ExitCode(1)
        }
    }

    /// Each sandbox host's root folder, as a provisioned server has its
    /// `/`: a reconcile refuses a host whose root is missing.
    static func makeSandboxRoots(_ root: String, hosts: [String]) async throws {
        try await BlockingPool.shared.run { () throws(InitError) in
            for host in hosts {
                do {
                    try FileManager.default.createDirectory(
                        atPath: root + "/" + host, withIntermediateDirectories: true,
                        attributes: [.posixPermissions: 0o755])
                } catch {
                    throw InitError(message: "cannot make the sandbox host folder \(root)/\(host): \(error)")
                }
            }
        }
    }

    static func defaultIdentityPath(for repository: String) -> String {
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        let name = (repository as NSString).lastPathComponent
        return "\(home)/.config/onionops/\(name.isEmpty || name == "/" ? "onionops" : name)-age-identity.txt"
    }

    /// The folder is new or empty, and the identity goes outside it and
    /// replaces nothing.
    private func prepare(target: String, identityPath: String) async throws {
        try await BlockingPool.shared.run { () throws(InitError) in
            let manager = FileManager.default
            if let entries = try? manager.contentsOfDirectory(atPath: target), !entries.isEmpty {
                throw InitError(message: "\(target) is not empty; init starts a new repository")
            }
            let identityAbsolute =
                identityPath.hasPrefix("/") ? identityPath : manager.currentDirectoryPath + "/" + identityPath
            if (identityAbsolute as NSString).standardizingPath.hasPrefix(target + "/") {
                throw InitError(message: "--identity \(identityPath) is inside the repository; keep it outside")
            }
            if manager.fileExists(atPath: identityPath) {
                throw InitError(
                    message:
                        "\(identityPath) exists; init makes a new identity and never replaces one (pass --identity NEW)"
                )
            }
        }
    }

    /// `age-keygen` (Debian's age) writes the identity 0600; its recipient
    /// is read back with `-y`.
    static func makeIdentity(at path: String) async throws -> String {
        let folder = (path as NSString).deletingLastPathComponent
        try await BlockingPool.shared.run { () throws(InitError) in
            do {
                try FileManager.default.createDirectory(
                    atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw InitError(message: "\(folder): \(error.localizedDescription)")
            }
        }
        let made = try await Spawn.capture(
            "/usr/bin/age-keygen", ["-o", path], environment: .minimal, mergeErrors: true)
        guard made.status == 0 else {
            throw InitError(message: "age-keygen -o \(path): \(String(decoding: made.stdout, as: UTF8.self))")
        }
        let recipient = try await Spawn.capture("/usr/bin/age-keygen", ["-y", path], environment: .minimal)
        let text = String(decoding: recipient.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard recipient.status == 0, text.hasPrefix("age1") else {
            throw InitError(message: "age-keygen -y \(path) gave no recipient")
        }
        return text
    }

    /// Staged beside the target and moved into place once complete.
    private func write(_ repository: StarterRepository, key: OnionKey, recipient: String, to target: String)
        async throws
    {
        let staged = StagedFolder(target: target)
        do {
            try await staged.write(
                repository.files,
                recipients: "# age recipients every sealed key is sealed to, one per line\n\(recipient)\n",
                keysFolder: "manifests/keys")
        } catch {
            throw InitError(message: error.message)
        }
        do {
            let store = SealedKeyStore(folder: staged.staging + "/manifests/keys")
            _ = try await store.seal(key)
            if repository.topology != .hardmap {
                _ = try await store.sealBackendSecret(
                    BackendKeyDerivation.generateProjectSecret(), project: StarterRepository.projectName)
            }
        } catch {
            await staged.discard()
            throw InitError(message: "sealing: \(error)")
        }
        do {
            try await staged.publish()
        } catch {
            throw InitError(message: error.message)
        }
    }
}
