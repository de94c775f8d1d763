import ArgumentParser
import OnionOpsCore
import OnionOpsHosts
import OnionOpsReconcile

/// `onionops rollback [PATH] --host H [--generation N]`.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Put a host back on one of its kept generations.",
        discussion: """
            Each host keeps the full rendered set of its last applied revisions (10 by default) \
            under /var/lib/onionops/generations. This applies one of them again, the same safe way \
            as reconcile (gates, and a rollback of the rollback if a gate fails), and records it as \
            a new generation. The manifests are read only to find the host; a later reconcile \
            brings the host back to what they say.

            Exit codes: 0 rolled back; 1 error; 3 the old generation failed a gate and the host \
            stayed where it was.
            """
    )

    @OptionGroup var options: ManifestOptions

    @Option(name: .long, help: "The host to roll back.")
    var host: String

    @Option(name: .long, help: "The generation to go back to (default: the one before the current).")
    var generation: Int?

    init() {}

    func run() async throws {
        let set = try await ManifestSet.load(options.path, output: options.output)
        guard let target = set.topology.host(named: host) else {
            Console.err("error: no host '\(host)' in \(options.path)")
            throw ExitCode(1)
        }
        let store = GenerationStore(transport: HostConnector.transport(for: target))
        let index = try await store.index()
        guard let current = index.current else {
            Console.err("error: \(host) has no generations: nothing was ever applied")
            throw ExitCode(1)
        }
        let wanted = generation ?? index.numbers.filter { $0 < current }.max()
        guard let wanted, index.numbers.contains(wanted) else {
            Console.err(
                "error: \(host) keeps generations \(index.numbers.map(String.init).joined(separator: ", ")); "
                    + "current is \(current)"
                    + (generation.map { "; \($0) is not kept" } ?? "; there is none before it"))
            throw ExitCode(1)
        }
        guard let old = try await store.load(wanted) else {
            Console.err("error: generation \(wanted) on \(host) does not check out against its MANIFEST")
            throw ExitCode(1)
        }
        Console.err("\(host): rolling back from generation \(current) to \(wanted) (revision \(old.commit))")
        let reconciler = Reconciler(
            options: ReconcileOptions(parallel: 1, commit: old.commit, owner: "onionops-rollback"),
            events: { ReconcileProgress.print($0) }
        )
        let reports = await reconciler.apply(DesiredState(hosts: [old.state]), hosts: [target])
        let report = PlanReport(reports, revision: old.commit, dryRun: false)
        Console.out(options.output == .text ? report.resultText() : JSONOutput.render(report))
        throw ExitCode(ReconcileExit.code(reports))
    }
}
