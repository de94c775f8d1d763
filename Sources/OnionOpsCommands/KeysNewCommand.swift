import ArgumentParser
import OnionOpsCore
import OnionOpsKeys
import OnionOpsSecrets

/// `onionops keys new [PATH] [--project P]`.
struct KeysNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Make a new onion key, seal it into PATH/keys and print its address.",
        discussion: """
            With --project, make the backend secret of a softmap project instead, and print the \
            address every backend will have. Existing sealed files are never overwritten.
            """
    )

    @Argument(help: "The manifest folder whose keys/ folder receives the key.")
    var path: String = "manifests"

    @Option(name: .long, help: "A softmap project: make its backend secret.")
    var project: String?

    init() {}

    func run() async throws {
        let store = SealedKeyStore(folder: path.hasSuffix("/") ? path + "keys" : path + "/keys")
        do {
            guard let project else {
                let key = OnionKey.generate()
                let file = try await store.seal(key)
                Console.err("sealed \(file)")
                Console.out(key.address.description)
                return
            }
            let set = try await ManifestSet.load(path)
            guard let spec = set.topology.project(named: project), spec.mode == .softmap else {
                Console.err("error: '\(project)' is not a softmap project in \(path)")
                throw ExitCode(1)
            }
            let secret = BackendKeyDerivation.generateProjectSecret()
            let file = try await store.sealBackendSecret(secret, project: project)
            Console.err("sealed \(file)")
            let derivation = try BackendKeyDerivation(projectSecret: secret)
            for host in spec.placement.hosts {
                for instance in 1...spec.placement.torInstances {
                    let address = derivation.key(project: project, host: host, instance: instance).address
                    Console.out("\(BackendID(project: project, host: host, instance: instance))  \(address)")
                }
            }
        } catch let error as SecretsError {
            Console.err("error: \(error)")
            throw ExitCode(1)
        }
    }
}
