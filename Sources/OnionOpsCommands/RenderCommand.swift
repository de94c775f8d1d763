import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsRender

/// `onionops render [PATH] --host H --out DIR`.
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Write one host's rendered tor, nginx and Onionbalance files into a folder, for inspection.",
        discussion: """
            Files land under DIR at their host paths (DIR/etc/onionops/...); their contents name the \
            host's real paths. Nothing is started and the host is not touched. Softmap backend \
            addresses come from the sealed backend secrets in PATH/keys, opened with the age identity.
            """
    )

    @Argument(help: "A folder of manifests (searched recursively) or one manifest file.")
    var path: String = "manifests"

    @Option(name: .long, help: "The host to render.")
    var host: String

    @Option(name: .long, help: "The folder to write into (created if missing).")
    var out: String

    @Flag(name: .long, help: "Also write the decrypted onion key files (secret: they land in DIR in the clear).")
    var withKeys = false

    @OptionGroup var identity: IdentityOptions

    init() {}

    private var warnings: [String] = []

    /// Modes always (tor refuses a HiddenServiceDir others can read);
    /// owners when running as root and the user exists here.
    private mutating func setMetadata(_ path: String, mode: UInt16, owner: String) {
        var attributes: [FileAttributeKey: Any] = [.posixPermissions: NSNumber(value: mode)]
        if getuid() == 0 { attributes[.ownerAccountName] = owner }
        do {
            try FileManager.default.setAttributes(attributes, ofItemAtPath: path)
        } catch {
            warnings.append("cannot set mode \(String(mode, radix: 8)) and owner \(owner) on \(path)")
        }
    }

    mutating func run() async throws {
        let set = try await ManifestSet.load(path)
        guard let hostSpec = set.topology.host(named: host) else {
            let known = set.topology.hosts.map(\.name).joined(separator: ", ")
            Console.err("error: no host '\(host)' in \(path); hosts: \(known)")
            throw ExitCode(1)
        }
        let keyring = try await set.keyring(identity, withKeyFiles: withKeys)
        let state = try Renderer(identities: keyring.identities, keys: keyring.material).render(
            set.topology, host: hostSpec)
        let layout = HostLayout(root: out)
        let manager = FileManager.default
        for directory in state.directories {
            let target = layout.resolve(directory.path)
            try manager.createDirectory(atPath: target, withIntermediateDirectories: true)
            setMetadata(target, mode: directory.mode, owner: directory.owner)
        }
        for file in state.files {
            let target = layout.resolve(file.path)
            try manager.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try Data(file.content).write(to: URL(fileURLWithPath: target))
            setMetadata(target, mode: file.mode, owner: file.owner)
            let shown = file.isSecret ? "(secret, \(file.content.count) bytes)" : "\(file.content.count) bytes"
            Console.out(
                "\(String(file.mode, radix: 8)) \(file.owner.padding(toLength: 12, withPad: " ", startingAt: 0)) \(target)  \(shown)"
            )
        }
        for warning in warnings { Console.err("warning: \(warning)") }
        Console.err("\(host): \(state.files.count) files in \(state.directories.count) folders written under \(out)")
    }
}
