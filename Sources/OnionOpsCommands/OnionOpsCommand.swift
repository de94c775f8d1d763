public import ArgumentParser
import OnionOpsEngine

/// `onionops`: the root command.
public struct OnionOpsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "onionops",
        abstract: "Declarative, GitOps-style reconciler for onion service load-balancing topologies.",
        discussion: """
            OnionOps reads a folder (or git repository) of YAML manifests describing hosts, \
            Onionspray-style projects (hardmap and softmap) and Onionbalance publishers, validates \
            them, and renders and applies tor, nginx and Onionbalance configuration on every host.

            Exit codes: 0 success or in sync, 1 error or invalid manifests, 2 changes pending \
            (reconcile --dry-run), 3 a host failed and was rolled back.
            """,
        version: OnionOpsVersion.current,
        subcommands: [
            ValidateCommand.self, ShowCommand.self, GraphCommand.self, RenderCommand.self, KeysCommand.self,
            ReconcileCommand.self, StatusCommand.self, DriftCommand.self, HistoryCommand.self, WatchCommand.self,
            TriggerCommand.self, RollbackCommand.self, InitCommand.self, ImportCommand.self, HostsCommand.self,
        ]
    )

    public init() {}
}
