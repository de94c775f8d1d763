/// Stable identifiers for every problem OnionOps reports, so scripts and
/// docs can refer to a problem without parsing its message.
public enum DiagnosticCode: String, Sendable, Hashable, Codable, CaseIterable {
    // Reading the source.
    case sourceUnreadable = "source-unreadable"
    case noManifests = "no-manifests"
    /// A link, FIFO, socket or device inside a manifest folder: only
    /// regular files and folders are read, links are never followed.
    case notRegularFile = "not-regular-file"
    /// Intake stopped after this many errors (the rest were not checked).
    case tooManyErrors = "too-many-errors"

    // The YAML guard and syntax.
    case yamlSyntax = "yaml-syntax"
    case yamlEncoding = "yaml-encoding"
    case fileTooLarge = "file-too-large"
    case nestingTooDeep = "nesting-too-deep"
    case tooManyEvents = "too-many-nodes"
    case tooManyDocuments = "too-many-documents"
    case tooManyAliases = "too-many-aliases"
    case aliasExpansionTooLarge = "alias-expansion-too-large"
    case aliasAsKey = "alias-as-key"
    case complexKey = "complex-key"
    case duplicateKey = "duplicate-key"
    case undefinedAlias = "undefined-alias"

    // Decoding documents into the model.
    case typeMismatch = "type-mismatch"
    case missingKey = "missing-key"
    case unknownKey = "unknown-key"
    case unknownKind = "unknown-kind"
    case unsupportedAPIVersion = "unsupported-api-version"
    case invalidValue = "invalid-value"
    case valueOutOfRange = "value-out-of-range"

    // Semantic validation.
    case invalidName = "invalid-name"
    case duplicateName = "duplicate-name"
    case danglingReference = "dangling-reference"
    case duplicateReference = "duplicate-reference"
    case invalidOnionAddress = "invalid-onion-address"
    case onionChecksum = "onion-checksum"
    case invalidDNSName = "invalid-dns-name"
    case invalidPath = "invalid-path"
    case configInjection = "config-injection"
    case tooManyBackends = "too-many-backends"
    case keyPlacement = "key-placement"
    case socketPathTooLong = "socket-path-too-long"
    case siteConflict = "site-conflict"
    case balancerMismatch = "balancer-mismatch"
    case invalidOption = "invalid-option"
    case plaintextKey = "plaintext-key"

    // `onionops import`: reading EOTK and Onionspray project files.
    case importSyntax = "import-syntax"
    case importUnknownStatement = "import-unknown-statement"
    case importBadValue = "import-bad-value"
    case importPlaceholder = "import-placeholder"
    case importDuplicate = "import-duplicate"
    case importMixedProject = "import-mixed-project"
    case importInlineComment = "import-inline-comment"
    case importKey = "import-key"
    case importCertificate = "import-certificate"
    case importUnsupported = "import-unsupported"
    case importOutput = "import-output"
}
