public import Foundation
import OnionOpsHosts
import OnionOpsReconcile
import Plot

/// The fleet at a glance, as plain server-rendered HTML (Plot): no script at
/// all, a stylesheet inline, the topology as an image from this same
/// server, and a refresh on a timer. Every text from the hosts and the
/// manifests goes through Plot's text escaping; attribute values (which
/// Plot does not escape) are only this file's constants.
public enum StatusPage {
    /// The graph's address on the watch listener.
    public static let graphPath = "/status/graph.svg"

    public static func render(_ status: FleetStatus, graph: Bool, now: Date = Date()) -> String {
        let html = HTML(
            .head(
                .meta(.charset(.utf8)),
                .meta(.attribute(named: "http-equiv", value: "refresh"), .content(String(status.refreshSeconds))),
                .title("OnionOps: fleet status"),
                .style(stylesheet)
            ),
            .body(
                .h1("OnionOps fleet status"),
                .p(
                    .text("Revision \(status.revision ?? "none yet"). Last result: \(status.lastResult). "),
                    .text(
                        status.read.map { "Hosts read \(ago($0, now: now)). " } ?? "Hosts not read yet. "),
                    .text("Refreshes every \(status.refreshSeconds) s.")
                ),
                .h2("Hosts"),
                hostsTable(status.hosts, now: now),
                .group(status.hosts.map { daemons($0) }),
                .h2("Projects"),
                projectsTable(status.projects),
                .group(publishers(status)),
                .h2("Topology"),
                graph
                    ? .img(.src(graphPath), .alt("the topology, drawn by Graphviz from onionops graph"))
                    : .p("No drawing: Graphviz's dot is not installed on the controller (apt-get install graphviz)."),
                .h2("Refused revisions"),
                refusedTable(status.refused, now: now)
            )
        )
        return html.render()
    }

    // MARK: Sections

    static func hostsTable(_ hosts: [FleetStatus.Host], now: Date) -> Node<HTML.BodyContext> {
        .table(
            .tr(
                .th("host"), .th("health"), .th("revision"), .th("generation"), .th("drift"),
                .th("last reconcile"), .th("result")),
            .group(
                hosts.map { host in
                    let health = host.health
                    let verdict = verdictText(health)
                    let last = host.lastReconcile
                    return .tr(
                        .td(.text(host.name)),
                        .td(.span(.class(verdict.tone), .text(verdict.text))),
                        .td(.code(.text(health?.revision.map { String($0.prefix(12)) } ?? "-"))),
                        .td(.text(health?.generation.map(String.init) ?? "-")),
                        .td(.text(driftText(host))),
                        .td(.text(last.map { "\($0.revision) \(ago($0.at, now: now))" } ?? "-")),
                        .td(
                            .span(.class(tone(last?.status)), .text(last?.status ?? "-")),
                            .text(last?.failure.map { ": \($0)" } ?? ""))
                    )
                })
        )
    }

    static func daemons(_ host: FleetStatus.Host) -> Node<HTML.BodyContext> {
        guard let health = host.health, !health.daemons.isEmpty else { return .group([]) }
        return .section(
            .h3(.text("Daemons on \(host.name)")),
            .table(
                .tr(.th("daemon"), .th("state"), .th("pid")),
                .group(
                    health.daemons.map { daemon in
                        .tr(
                            .td(.text(daemon.instance)),
                            .td(.span(.class(daemonTone(daemon.state)), .text(daemonText(daemon.state)))),
                            .td(.text(daemon.pid.map(String.init) ?? "-")))
                    })
            ),
            .group(health.notes.map { .p(.class("note"), .text($0)) })
        )
    }

    static func projectsTable(_ projects: [FleetStatus.Project]) -> Node<HTML.BodyContext> {
        .table(
            .tr(.th("project"), .th("mode"), .th("served by"), .th("onions"), .th("publishers")),
            .group(
                projects.map { project in
                    .tr(
                        .td(.text(project.name)),
                        .td(.text(project.mode)),
                        .td(.text(project.hosts.joined(separator: ", "))),
                        .td(.group(project.onions.map { .div(.code(.text($0))) })),
                        .td(
                            .text(
                                project.balancers.sorted { $0.key < $1.key }
                                    .map { "\($0.key) on \($0.value.joined(separator: ", "))" }
                                    .joined(separator: "; ")))
                    )
                })
        )
    }

    /// Each publisher's own report: per frontend, when it last tried to
    /// publish, and the backends it has seen.
    static func publishers(_ status: FleetStatus) -> [Node<HTML.BodyContext>] {
        status.hosts.flatMap { host -> [Node<HTML.BodyContext>] in
            (host.health?.publishers ?? [:]).sorted { $0.key < $1.key }.flatMap { balancer, report in
                report.services.map { service in
                    .section(
                        .h3(.text("Publisher \(balancer) on \(host.name): \(service.onionAddress)")),
                        .p(
                            .text(
                                "Last publish tried: first descriptor "
                                    + (service.publishAttemptFirstDescriptor ?? "never")
                                    + ", second descriptor " + (service.publishAttemptSecondDescriptor ?? "never")
                                    + ". Backends seen: \(service.instances.filter { $0.descriptorReceived != nil }.count)"
                                    + " of \(service.instances.count).")
                        ),
                        .table(
                            .tr(.th("backend"), .th("descriptor received"), .th("intro points")),
                            .group(
                                service.instances.map { instance in
                                    .tr(
                                        .td(.code(.text(instance.onionAddress))),
                                        .td(.text(instance.descriptorReceived ?? "never")),
                                        .td(.text(instance.introPointCount.map(String.init) ?? "-")))
                                })
                        )
                    )
                }
            }
        }
    }

    static func refusedTable(_ refused: [FleetStatus.Refusal], now: Date) -> Node<HTML.BodyContext> {
        guard !refused.isEmpty else { return .p("None since watch started.") }
        return .table(
            .tr(.th("revision"), .th("when"), .th("why")),
            .group(
                refused.map { refusal in
                    .tr(
                        .td(.code(.text(refusal.revision))),
                        .td(.text(ago(refusal.at, now: now))),
                        .td(.pre(.text(refusal.reason))))
                })
        )
    }

    // MARK: Words and tones

    /// The classes the stylesheet colours; the only values that reach an
    /// attribute.
    static func tone(_ status: String?) -> String {
        switch status {
        case "applied", "in-sync": return "good"
        case "rolled-back", "changes-pending": return "warn"
        case nil: return "plain"
        default: return "bad"
        }
    }

    static func verdictText(_ health: HostHealth?) -> (text: String, tone: String) {
        guard let health else { return ("not read yet", "plain") }
        if !health.reachable { return ("unreachable", "bad") }
        if let error = health.error { return ("error: \(error)", "bad") }
        if health.generation == nil { return ("never applied", "warn") }
        return health.isHealthy ? ("healthy", "good") : ("degraded", "bad")
    }

    static func driftText(_ host: FleetStatus.Host) -> String {
        var parts: [String] = []
        if let drift = host.health?.drift, !drift.isEmpty { parts.append(drift.joined(separator: "; ")) }
        if let changes = host.driftChanges {
            parts.append(changes == 0 ? "none at the last check" : "\(changes) change(s) at the last check")
        }
        return parts.isEmpty ? "-" : parts.joined(separator: "; ")
    }

    static func daemonText(_ state: String) -> String {
        state == "stopped" ? "down" : state
    }

    static func daemonTone(_ state: String) -> String {
        if state.hasPrefix("running") { return "good" }
        if state == "stopped" || state.hasPrefix("failed") { return "bad" }
        return "warn"
    }

    static func ago(_ date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        let stamp = ISO8601DateFormatter().string(from: date)
        if seconds < 120 { return "\(stamp) (\(seconds) s ago)" }
        if seconds < 7200 { return "\(stamp) (\(seconds / 60) min ago)" }
        return "\(stamp) (\(seconds / 3600) h ago)"
    }

    static let stylesheet = """
        body { font-family: sans-serif; margin: 1.5em; color: #1d1d1f; }
        table { border-collapse: collapse; margin: 0.5em 0 1.2em; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f2f2f2; }
        code, pre { font-family: monospace; font-size: 0.9em; white-space: pre-wrap; margin: 0; }
        .good { color: #0a7a2f; font-weight: bold; }
        .warn { color: #9a6700; font-weight: bold; }
        .bad { color: #c01c28; font-weight: bold; }
        .note { color: #555; }
        img { max-width: 100%; border: 1px solid #ccc; }
        """
}
