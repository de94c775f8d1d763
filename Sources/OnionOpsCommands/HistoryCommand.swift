import ArgumentParser
import Foundation
import OnionOpsEngine

/// `onionops history [PATH]`.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The revisions each host applied, from the generations it keeps.",
        discussion: """
            Reads /var/lib/onionops/generations on each host named in the manifests: per \
            generation its number, the revision, when it was recorded, and which is current. \
            `onionops rollback --host H --generation N` goes back to one.
            """
    )

    @OptionGroup var options: ManifestOptions

    @Option(name: .long, help: "Only these hosts (comma-separated names).")
    var hosts: String?

    init() {}

    func run() async throws {
        let snapshot = await RevisionFetch.folder(options.path)
        let engine = Engine.keyless
        let results = try await EngineCall.run(options.path, output: options.output) {
            () async throws(EngineError) -> [HostHistory] in
            try await engine.history(snapshot, hosts: HostSelection(commaSeparated: hosts))
        }
        switch options.output {
        case .json:
            struct Output: Encodable {
                var formatVersion = JSONOutput.formatVersion
                var hosts: [HostHistory]
            }
            Console.out(JSONOutput.render(Output(hosts: results)))
        case .text:
            let formatter = ISO8601DateFormatter()
            var lines: [String] = []
            for history in results {
                lines.append(
                    "\(history.host):" + (history.generations.isEmpty && history.error == nil ? " nothing applied" : "")
                )
                if let error = history.error { lines.append("  ! \(error)") }
                for entry in history.generations {
                    let when =
                        entry.recordedAt.map { formatter.string(from: Date(timeIntervalSince1970: Double($0))) } ?? "-"
                    lines.append("  \(entry.current ? "*" : " ") \(entry.generation)  \(entry.revision)  \(when)")
                }
            }
            Console.out(lines.joined(separator: "\n"))
        }
        if results.contains(where: { $0.error != nil }) { throw ExitCode(1) }
    }
}
