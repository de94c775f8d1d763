import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OnionOpsDaemon
import OnionOpsEngine

/// `onionops watch`: the daemon.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a branch (or folder) and keep every host on its newest revision.",
        discussion: """
            Reconciles at start, then every --interval, at once on `onionops trigger` (POST \
            /trigger with `Authorization: Bearer <token>`, the token in --trigger-token-file, or \
            the webhook secret without it; for a git post-receive hook) or on a webhook (POST \
            /webhook with X-Hub-Signature-256, HMAC-SHA256 of the body with the secret in \
            --webhook-secret-file, as GitHub, Gitea and GitLab send). A bad signature or token \
            gets 401 and triggers nothing; without a secret the endpoint is off. \
            One reconcile runs at a time; triggers during it coalesce into one more, which starts \
            no sooner than --min-interval after the last ended. A revision that fails validation, \
            a signature check with --require-signed, or does not descend from the commit a host \
            runs (a force-push to an older commit; --allow-non-descendant applies it, logged) is \
            refused and logged, and the hosts stay on the last good revision; one that fails a \
            gate is rolled back on that host and retried after a backoff (whatever asks for it), \
            or as soon as a newer revision comes. --repo over http:// or git:// needs \
            --require-signed. Every --drift-interval the hosts are checked against the last good \
            revision; drift is logged and in the metrics, and corrected with --self-heal.

            Before any daemon action on a host, its daemon binaries must be root-owned with \
            root-owned folders, none writable by group or others, and its daemon users not uid 0; \
            a binary that cannot pass may be listed in the controller's \
            /etc/onionops/trusted-binaries (or $ONIONOPS_TRUSTED_BINARIES).

            GET /metrics serves Prometheus metrics (reconciles per host and result, durations, \
            drift per host, the applied revision, last success time, refused revisions, refused \
            POSTs); GET /healthz says how the last reconcile went; GET /status is a page for a \
            person (hosts, daemons, drift, publishers, the topology drawn by Graphviz, refused \
            revisions), behind the trigger token (a browser sends it as the Basic password). SIGTERM or SIGINT stops it after the \
            reconcile in hand. Examples/systemd has a unit for it.

            Example:
              onionops watch --repo /srv/git/onion.git --branch main --path manifests \\
                --trigger-token-file /etc/onionops/trigger-token --self-heal
            """
    )

    @OptionGroup var options: ManifestOptions
    @OptionGroup var identity: IdentityOptions
    @OptionGroup var source: SourceOptions

    @Option(name: .long, help: "Seconds between polls of the branch.")
    var interval = 60.0

    @Option(name: .long, help: "Seconds between drift checks.")
    var driftInterval = 900.0

    @Flag(name: .long, help: "Correct drift, not only report it.")
    var selfHeal = false

    @Option(name: .long, help: "Address for /trigger, /webhook, /status, /metrics and /healthz (host:port).")
    var listen = "127.0.0.1:9477"

    @Option(name: .long, help: "A file holding the webhook secret (without it, /webhook is off).")
    var webhookSecretFile: String?

    @Option(
        name: .long,
        help:
            "A file holding the token POST /trigger must carry (default: the webhook secret; without either, /trigger is off)."
    )
    var triggerTokenFile: String?

    @Option(name: .long, help: "Least seconds between the end of one reconcile and the start of the next.")
    var minInterval = 1.0

    @Option(name: .long, help: "Only these hosts (comma-separated names).")
    var hosts: String?

    @Option(name: .long, help: "Hosts applied at once.")
    var parallel = 10

    init() {}

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen takes host:port, like 127.0.0.1:9477")
        }
        let address = String(listen[..<colon])
        let secret = try webhookSecretFile.map { try Self.secret(in: $0, "--webhook-secret-file") }
        let token = try triggerTokenFile.map { try Self.secret(in: $0, "--trigger-token-file") } ?? secret
        guard minInterval >= 0 else { throw ValidationError("--min-interval cannot be negative") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "onionops.watch")
        let metrics = WatchMetrics()
        let revisions = source.source(folder: options.path)
        let engine = Engine(identity: identity.location)
        let selection = HostSelection(commaSeparated: hosts)
        try await Self.checkSelection(selection, source: revisions, engine: engine)
        let controller = WatchController(
            source: revisions,
            engine: engine,
            options: WatchOptions(
                interval: .milliseconds(Int(interval * 1000)),
                driftInterval: .milliseconds(Int(driftInterval * 1000)),
                selfHeal: selfHeal,
                hosts: selection.names,
                parallel: parallel,
                minInterval: .milliseconds(Int(minInterval * 1000))
            ),
            metrics: metrics,
            logger: logger
        )
        logger.info("watching \(revisions.description); listening on \(address):\(port)")
        let app = Application(
            router: WatchServer.router(
                controller: controller, metrics: metrics, webhookSecret: secret, triggerToken: token, logger: logger),
            configuration: ApplicationConfiguration(address: .hostname(address, port: port), serverName: "onionops"),
            services: [WatchService(controller: controller)],
            logger: logger
        )
        try await app.runService()
    }

    /// `--hosts` names hosts of the revision the daemon starts from: an
    /// unknown name is an error here, as in `reconcile`, not a selection
    /// that silently leaves it out. (A later revision that drops a chosen
    /// host is refused by the controller the same way.) A revision that
    /// cannot be had or read yet is the controller's to report and retry.
    static func checkSelection(_ selection: HostSelection, source: any RevisionSource, engine: Engine) async throws {
        guard !selection.names.isEmpty, let snapshot = try? await source.latest(),
            let topology = try? await engine.topology(snapshot)
        else { return }
        do {
            _ = try selection.resolve(in: topology, source: snapshot.revision.folder)
        } catch {
            EngineCall.report(error, source: snapshot.revision.folder, output: .text)
            throw ExitCode(1)
        }
    }

    /// A secret file's content without surrounding whitespace; empty is an
    /// error (it would let anything through nowhere, and hide a mistake).
    static func secret(in path: String, _ option: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(option) \(path)")
        }
        let secret = Array(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard !secret.isEmpty else { throw ValidationError("\(path) is empty") }
        return secret
    }
}
