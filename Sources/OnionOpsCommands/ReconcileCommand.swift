import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsEngine
import OnionOpsReconcile

/// `onionops reconcile [PATH] [--dry-run]`.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Bring every host to what the manifests describe (or, with --dry-run, show the plan).",
        discussion: """
            Validates the manifests, renders every host's files with its keys, observes each host, \
            and plans only what differs: an unchanged host gets no step and an unchanged daemon is \
            not reloaded. Changes go in waves per host, each behind a gate: folders and keys; nginx \
            (nginx -t, swap, reload, check it answers); tor (verify-config as tor's user, LOADCONF on \
            the control socket, check every hostname); Onionbalance publishers last, only once every \
            backend host of their project came through; removals after that. A failed gate puts the \
            host back on its previous generation and reports it.

            Before any daemon action on a host, it checks there that every daemon binary the host \
            uses is a root-owned file, not writable by group or others, in root-owned folders none \
            of which others can write (symlinks resolved), and that no daemon user is uid 0; \
            otherwise the host is refused before any change. A binary that deliberately cannot pass \
            is trusted when its exact path is a line of the controller's \
            /etc/onionops/trusted-binaries (or the file $ONIONOPS_TRUSTED_BINARIES names; it must \
            be owned by root and writable by nobody else).

            With --repo the head must descend from the commit each host runs (the host's own \
            record), so a force-push to an older commit cannot roll the hosts back; \
            --allow-non-descendant applies it anyway and says so. http:// and git:// remotes need \
            --require-signed.

            When every host was last applied from these very inputs (the manifest folder's files, \
            sealed keys included, and this onionops binary) and still matches what it recorded \
            (every file's hash, mode and owner, every daemon up, no apply pending), nothing is \
            decrypted or rendered: each host is reported in sync. --full skips that shortcut.

            On a terminal, each host has one live line (its step and the time since it began), \
            and failures, rollbacks and results stay on screen; piped or logged, every step is a \
            line on stderr. Colours follow NO_COLOR (set it to anything to turn them off).

            Exit codes: 0 in sync or applied; 1 error (invalid manifests, unreachable host, failed \
            rollback); 2 changes pending (--dry-run); 3 a host failed and was rolled back.

            Examples:
              onionops reconcile manifests --dry-run          the plan, with a diff of every file
              onionops reconcile manifests --dry-run --summary --output json
              onionops reconcile manifests --hosts edge-1,edge-2 --parallel 4
              onionops reconcile --repo ssh://git@git.example/ops.git --branch main --path manifests
            """
    )

    @OptionGroup var options: ManifestOptions
    @OptionGroup var identity: IdentityOptions
    @OptionGroup var source: SourceOptions

    @Flag(name: .long, help: "Observe and plan only; change nothing (exit 2 when there are changes).")
    var dryRun = false

    @Flag(name: .long, help: "With --dry-run: the summary and the list of changes, without diffs.")
    var summary = false

    @Option(name: .long, help: "Only these hosts (comma-separated names).")
    var hosts: String?

    @Option(name: .long, help: "Hosts applied at once.")
    var parallel = 10

    @Flag(name: .long, help: "Also remove key files of sites that left a host (kept by default).")
    var pruneKeys = false

    @Option(name: .long, help: "A name for what is applied (default: the commit, or folder- and a hash of its files).")
    var revision: String?

    @Flag(name: .long, help: "Render and compare everything even when the inputs and hosts are unchanged.")
    var full = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write every event of the run (plans, steps, each host operation's start and end) to this new file as JSON lines.",
            valueName: "file"))
    var eventLog: String?

    init() {}

    func run() async throws {
        let selection = HostSelection(commaSeparated: hosts)
        let revisions = source.source(folder: options.path)
        let snapshot = try await RevisionFetch.latest(revisions)
        let engine = Engine(identity: identity.location)
        let text = options.output == .text
        if !full, text,
            let inSync = await engine.unchanged(snapshot, hosts: selection, revision: revision, parallel: parallel)
        {
            Console.err("\(inSync.count) hosts unchanged since their last apply from these inputs; nothing to render")
            Console.out(
                inSync.map { "\($0.host): in-sync, generation \($0.generation), revision \($0.revision)" }
                    .joined(separator: "\n"))
            return
        }
        let deployment = try await EngineCall.run(snapshot.revision.folder, output: options.output) {
            () async throws(EngineError) -> Deployment in
            try await engine.deployment(snapshot, hosts: selection, revision: revision)
        }
        try await LineageCheck.require(revisions, snapshot, hosts: deployment.hosts)
        let log: EventLog?
        do throws(EventLog.Failure) {
            log = try eventLog.map { path throws(EventLog.Failure) in try EventLog(path: path) }
        } catch {
            Console.err("error: \(error)")
            throw ExitCode(1)
        }
        // On a terminal, one live line per host; otherwise (a pipe, a log,
        // CI) the line-per-step log on stderr.
        let live = text && LiveProgress.isAvailable() ? LiveProgress() : nil
        let progress: @Sendable (ReconcileEvent) -> Void = { event in
            log?.record(event)
            if let live {
                live.record(event)
            } else if text {
                ReconcileProgress.print(event)
            }
        }
        live?.start()
        defer {
            live?.finish()
            do throws(EventLog.Failure) {
                try log?.flush()
            } catch {
                Console.err("warning: \(error)")
            }
        }
        if dryRun {
            let reports = await engine.plan(deployment, parallel: parallel, events: progress)
            live?.finish()
            let report = PlanReport(reports, revision: deployment.revision, dryRun: true)
            Console.out(text ? report.text(summaryOnly: summary) : JSONOutput.render(report))
            throw ExitCode(ReconcileExit.dryRunCode(reports))
        }
        Console.err("reconciling \(deployment.hosts.count) hosts to \(deployment.revision)")
        let reports = await engine.apply(deployment, parallel: parallel, pruneKeys: pruneKeys, events: progress)
        live?.finish()
        let report = PlanReport(reports, revision: deployment.revision, dryRun: false)
        Console.out(text ? report.resultText() : JSONOutput.render(report))
        throw ExitCode(ReconcileExit.code(reports))
    }
}
