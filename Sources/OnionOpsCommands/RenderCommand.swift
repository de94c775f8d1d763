import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsEngine

/// `onionops render [PATH] --host H --out DIR`.
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Write one host's rendered tor, nginx and Onionbalance files into a folder, for inspection.",
        discussion: """
            Files land under DIR at their host paths (DIR/etc/onionops/...); their contents name the \
            host's real paths. Nothing is started and the host is not touched. Softmap backend \
            addresses come from the sealed backend secrets in PATH/keys, opened with the age identity. \
            DIR must not exist yet (or be empty): the files are written into a private folder made \
            beside it (mode 700, files created 600) and moved into place when complete.
            """
    )

    @Argument(help: "A folder of manifests (searched recursively) or one manifest file.")
    var path: String = "manifests"

    @Option(name: .long, help: "The host to render.")
    var host: String

    @Option(name: .long, help: "A new (or empty) folder to write into; made private (mode 700).")
    var out: String

    @Flag(name: .long, help: "Also write the decrypted onion key files (secret: they land in DIR in the clear).")
    var withKeys = false

    @OptionGroup var identity: IdentityOptions

    init() {}

    func run() async throws {
        let snapshot = await RevisionFetch.folder(path)
        let engine = Engine(identity: identity.location)
        let state = try await EngineCall.run(path) { () async throws(EngineError) -> HostDesiredState in
            try await engine.render(snapshot, host: host, withKeyFiles: withKeys)
        }
        // Built privately and moved into place whole: the output may be a
        // path in a world-writable folder, where another user could have
        // planted links for keys to be written through.
        var lines: [String] = []
        let folder: PrivateOutputFolder
        do {
            folder = try PrivateOutputFolder(creating: out)
            for directory in state.directories {
                try folder.makeDirectory(directory.path, mode: directory.mode, owner: directory.owner)
            }
            for file in state.files {
                try folder.write(file.path, contents: file.content, mode: file.mode, owner: file.owner)
                let shown = file.isSecret ? "(secret, \(file.content.count) bytes)" : "\(file.content.count) bytes"
                lines.append(
                    "\(String(file.mode, radix: 8)) \(file.owner.padding(toLength: 12, withPad: " ", startingAt: 0)) \(folder.path(file.path))  \(shown)"
                )
            }
            try folder.finish()
        } catch {
            Console.err("error: \(error)")
            throw ExitCode(1)
        }
        for line in lines { Console.out(line) }
        for warning in folder.warnings { Console.err("warning: \(warning)") }
        Console.err("\(host): \(state.files.count) files in \(state.directories.count) folders written under \(out)")
    }
}
