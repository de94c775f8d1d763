import ArgumentParser

/// `onionops keys`: onion identity keys sealed in the manifest repo.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make and check the onion keys sealed (with age) in the manifest repo's keys/ folder.",
        discussion: """
            Keys live only sealed: keys/<onion>.onion.age for sites, keys/<project>.backends.age for \
            the secret every softmap backend key of a project is derived from, keys/<onion>.onion.tls.age \
            and keys/<project>.project.tls.age for TLS certificates and their keys. They are sealed to \
            the age recipients listed in keys/recipients.txt.
            """,
        subcommands: [KeysNewCommand.self, KeysTLSCommand.self, KeysCSRCommand.self, KeysCheckCommand.self]
    )
}
