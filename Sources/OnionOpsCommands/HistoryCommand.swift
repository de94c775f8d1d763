import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsHosts

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

    struct Entry: Encodable {
        var generation: Int
        var revision: String
        var recordedAt: Int?
        var current: Bool
    }

    struct HostHistory: Encodable {
        var host: String
        var error: String?
        var generations: [Entry]
    }

    func run() async throws {
        let set = try await ManifestSet.load(options.path, output: options.output)
        let selection = hosts?.split(separator: ",").map(String.init) ?? []
        var results: [HostHistory] = []
        for host in set.topology.hosts where selection.isEmpty || selection.contains(host.name) {
            let store = GenerationStore(transport: HostConnector.transport(for: host))
            var history = HostHistory(host: host.name, generations: [])
            do {
                let index = try await store.index()
                for number in index.numbers.reversed() {
                    let generation = try await store.load(number)
                    history.generations.append(
                        Entry(
                            generation: number, revision: generation?.commit ?? "(does not check out)",
                            recordedAt: generation?.recordedAt, current: number == index.current))
                }
            } catch {
                history.error = error.description
            }
            results.append(history)
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
