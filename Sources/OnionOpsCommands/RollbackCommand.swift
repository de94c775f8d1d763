import ArgumentParser
import OnionOpsEngine
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
        let snapshot = await RevisionFetch.folder(options.path)
        // The manifests only find the host; no keys are opened.
        let engine = Engine.keyless
        let target = try await EngineCall.run(options.path, output: options.output) {
            () async throws(EngineError) -> RollbackTarget in
            try await engine.rollbackTarget(snapshot, host: host, generation: generation)
        }
        Console.err(
            "\(host): rolling back from generation \(target.from) to \(target.to) (revision \(target.revision))")
        let reports = await engine.rollback(target, events: { ReconcileProgress.print($0) })
        let report = PlanReport(reports, revision: target.revision, dryRun: false)
        Console.out(options.output == .text ? report.resultText() : JSONOutput.render(report))
        throw ExitCode(ReconcileExit.code(reports))
    }
}
