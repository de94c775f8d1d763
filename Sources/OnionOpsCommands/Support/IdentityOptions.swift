import ArgumentParser
import Foundation
import OnionOpsSecrets

/// How a command finds the reconciler's age identity.
struct IdentityOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The age identity that opens sealed keys.",
            discussion: "Default: $ONIONOPS_AGE_IDENTITY, else /etc/onionops/age-identity.txt.",
            valueName: "file"
        )
    )
    var identity: String?

    var location: AgeIdentityLocation {
        AgeIdentityLocation.resolve(flag: identity, environment: ProcessInfo.processInfo.environment)
    }
}
