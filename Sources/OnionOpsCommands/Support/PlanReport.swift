import OnionOpsCore
import OnionOpsPresentation
import OnionOpsReconcile

/// Plans and results as text (summary, unified diffs, steps) and as
/// versioned JSON.
struct PlanReport: Encodable {
    struct Change: Encodable {
        var kind: String
        var path: String
        var secret: Bool
        var oldSHA256: String?
        var newSHA256: String?
        var mode: String?
        var owner: String?
        var diff: String?
    }

    struct Daemon: Encodable {
        var instance: String
        var action: String
    }

    struct HostEntry: Encodable {
        var host: String
        var status: String
        var summary: [String: Int]
        var changes: [Change]
        var daemons: [Daemon]
        var keptKeys: [String]
        var failure: String?
        var generation: Int?
        var previousRevision: String?
        var steps: [String]
        var notes: [String]
    }

    var formatVersion = JSONOutput.formatVersion
    var revision: String
    var dryRun: Bool
    var hosts: [HostEntry]

    init(_ reports: [HostReport], revision: String, dryRun: Bool) {
        self.revision = revision
        self.dryRun = dryRun
        hosts = reports.map { report in
            let plan = report.plan
            return HostEntry(
                host: report.host,
                status: report.status.rawValue,
                summary: plan.map { plan in
                    [
                        "create": plan.count(.create), "update": plan.count(.update) + plan.count(.metadata),
                        "delete": plan.count(.delete), "reload": plan.count(.reload), "start": plan.count(.start),
                        "stop": plan.count(.stop),
                    ]
                } ?? [:],
                changes: (plan?.changes ?? []).map { Self.change($0, old: report.oldContents[$0.path]) },
                daemons: (plan?.daemons ?? [:]).map { Daemon(instance: $0.key.description, action: $0.value.rawValue) }
                    .sorted { $0.instance < $1.instance },
                keptKeys: plan?.keptKeys ?? [],
                failure: report.failure,
                generation: report.generation,
                previousRevision: report.previousCommit,
                steps: report.steps,
                notes: report.notes
            )
        }
    }

    static func change(_ change: FileChange, old: [UInt8]?) -> Change {
        let new = change.file.map { FileDrift.sha256Hex($0.content) }
        var diff: String?
        let binary = (change.file?.content.contains(0) ?? false) || (old?.contains(0) ?? false)
        if !change.isSecret, !binary, change.kind != .metadata {
            diff = UnifiedDiff.render(
                old: old.map { String(decoding: $0, as: UTF8.self) } ?? "",
                new: change.file?.text ?? "",
                oldLabel: change.kind == .create ? "/dev/null" : "a" + change.path,
                newLabel: change.kind == .delete ? "/dev/null" : "b" + change.path
            )
        }
        return Change(
            kind: change.kind.rawValue,
            path: change.path,
            secret: change.isSecret,
            oldSHA256: change.oldSHA256,
            newSHA256: new,
            mode: change.file.map { String($0.mode, radix: 8) },
            owner: change.file?.owner,
            diff: diff
        )
    }

    /// After an apply: one line per host (the steps were shown as they
    /// ran), with its failure and notes.
    func resultText() -> String {
        var lines: [String] = []
        for host in hosts {
            var line = "\(host.host): \(host.status)"
            if let generation = host.generation { line += ", generation \(generation)" }
            if host.status != "in-sync", !host.summary.isEmpty {
                let counts = ["create", "update", "delete", "reload", "start", "stop"].compactMap { key in
                    (host.summary[key] ?? 0) > 0 ? "\(host.summary[key] ?? 0) \(key)" : nil
                }
                if !counts.isEmpty { line += " (\(counts.joined(separator: ", ")))" }
            }
            lines.append(line)
            if let failure = host.failure { lines.append("  ! \(failure)") }
            for note in host.notes { lines.append("  note: \(note)") }
        }
        return lines.joined(separator: "\n")
    }

    /// The plan as people read it: per host a summary line, each change,
    /// the daemons touched, then the diffs (unless `summaryOnly`).
    func text(summaryOnly: Bool) -> String {
        var lines: [String] = []
        for host in hosts {
            let counts = ["create", "update", "delete", "reload", "start", "stop"].map {
                "\(host.summary[$0] ?? 0) \($0)"
            }
            let shown = host.summary.isEmpty || host.status == "in-sync" ? "" : " (\(counts.joined(separator: ", ")))"
            lines.append("\(host.host): \(host.status)" + shown)
            if let failure = host.failure { lines.append("  ! \(failure)") }
            for change in host.changes {
                let mark =
                    switch change.kind {
                    case "create": "+"
                    case "delete": "-"
                    default: "~"
                    }
                var line = "  \(mark) \(change.kind) \(change.path)"
                if let mode = change.mode, let owner = change.owner { line += " (\(mode) \(owner))" }
                if change.diff == nil && !change.secret && change.kind != "metadata" && change.kind != "delete" {
                    line += " [binary: sha256 \(change.newSHA256?.prefix(12) ?? "none")]"
                }
                if change.secret {
                    line +=
                        " [key material: sha256 \(change.oldSHA256?.prefix(12) ?? "none") -> \(change.newSHA256?.prefix(12) ?? "none")]"
                }
                lines.append(line)
            }
            for key in host.keptKeys { lines.append("  = keep \(key) (keys are pruned only with --prune-keys)") }
            for daemon in host.daemons { lines.append("  * \(daemon.action) \(daemon.instance)") }
            for note in host.notes { lines.append("  note: \(note)") }
            if !summaryOnly {
                for change in host.changes {
                    if let diff = change.diff, !diff.isEmpty {
                        lines.append(diff.hasSuffix("\n") ? String(diff.dropLast()) : diff)
                    }
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}
