import ArgumentParser

/// `onionops hosts ...`: work on the hosts themselves, not on what runs there.
struct HostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "Make hosts ready for OnionOps.",
        subcommands: [HostsPrepareCommand.self]
    )
}
