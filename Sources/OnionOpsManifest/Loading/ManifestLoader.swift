public import OnionOpsCore
import Yams

/// Intake: files -> guard -> Yams nodes -> model -> semantic validation.
///
/// Every stage reports all it finds, up to `maxErrors`: a file that fails
/// the guard is not parsed further (it may be hostile); the other files
/// still are, until that many errors were found. Then intake stops, as a
/// compiler does, so a repository of broken files costs bounded time and
/// memory (the guard bounds each file; this bounds their number).
public struct ManifestLoader: Sendable {
    /// Errors after which the remaining files are not checked.
    public static let defaultMaxErrors = 10_000

    public var limits: YAMLLimits
    public var validator: Validator
    public var maxErrors: Int

    public init(
        limits: YAMLLimits = .default, validator: Validator = Validator(),
        maxErrors: Int = ManifestLoader.defaultMaxErrors
    ) {
        self.limits = limits
        self.validator = validator
        self.maxErrors = maxErrors
    }

    public func load(from source: some ManifestSource) async -> LoadResult {
        do {
            let files = try await source.manifestFiles(maxBytes: limits.maxBytes)
            if files.isEmpty {
                return LoadResult(
                    topology: Topology(),
                    diagnostics: [
                        .error(
                            .noManifests, "no *.yaml or *.yml manifest files found", at: .start(of: source.displayName))
                    ],
                    files: []
                )
            }
            return load(files)
        } catch {
            return LoadResult(topology: Topology(), diagnostics: [error.diagnostic], files: [])
        }
    }

    /// The pure part of intake, for sources already in memory.
    public func load(_ files: [ManifestFile]) -> LoadResult {
        let guardPass = YAMLGuard(limits: limits)
        var topology = Topology()
        var diagnostics: [Diagnostic] = []
        var context = ValidationContext()
        var errors = 0
        var counted = 0
        /// Counts the errors added since the last call; true once the
        /// limit is reached.
        func limitReached() -> Bool {
            errors += diagnostics[counted...].count { $0.severity == .error }
            counted = diagnostics.count
            return errors >= maxErrors
        }
        var stopped = false

        fileLoop: for (index, file) in files.enumerated() {
            if limitReached() {
                diagnostics.append(
                    .error(
                        .tooManyErrors,
                        "stopped after \(errors) errors: this file and \(files.count - index - 1) more were not checked; fix the errors above first",
                        at: .start(of: file.path)
                    )
                )
                stopped = true
                break
            }
            let bytes: [UInt8]
            switch file.content {
            case .refused(let reason):
                diagnostics.append(.error(.notRegularFile, reason, at: .start(of: file.path)))
                continue
            case .oversized(let size):
                diagnostics.append(
                    .error(
                        .fileTooLarge,
                        "file is \(size) bytes; manifest files may be at most \(limits.maxBytes) bytes",
                        at: .start(of: file.path)
                    )
                )
                continue
            case .bytes(let content):
                bytes = content
            }
            if let problem = guardPass.check(bytes, file: file.path) {
                diagnostics.append(problem)
                continue
            }
            let documents: [Node]
            do {
                documents = try Array(Yams.compose_all(yaml: String(decoding: bytes, as: UTF8.self)))
            } catch {
                diagnostics.append(Self.diagnostic(for: error, file: file.path))
                continue
            }
            let decoder = DocumentDecoder(file: file.path)
            for document in documents where !document.isNull {
                if limitReached() {
                    diagnostics.append(
                        .error(
                            .tooManyErrors,
                            "stopped after \(errors) errors: the rest of this file and \(files.count - index - 1) more files were not checked; fix the errors above first",
                            at: decoder.location(of: document)
                        )
                    )
                    stopped = true
                    break fileLoop
                }
                let result = decoder.decode(document)
                diagnostics += result.diagnostics
                switch result.object {
                case .host(let host): topology.hosts.append(host)
                case .project(let project): topology.projects.append(project)
                case .balancer(let balancer): topology.balancers.append(balancer)
                case nil: break
                }
                if let undecoded = result.undecodedName {
                    context.undecodedNames[undecoded.kind, default: []].insert(undecoded.name)
                }
            }
        }

        // A partial topology would report references into the unchecked
        // files as dangling: semantic validation needs every file.
        if !stopped { diagnostics += validator.validate(topology, context: context) }
        return LoadResult(topology: topology, diagnostics: diagnostics.sortedByLocation(), files: files.map(\.path))
    }

    /// Yams errors that slip past the guard (the guard parses with the same
    /// libyaml, so these are rare) keep their position.
    static func diagnostic(for error: any Error, file: String) -> Diagnostic {
        guard let yamlError = error as? YamlError else {
            return .error(.yamlSyntax, "YAML error (\(type(of: error)))", at: .start(of: file))
        }
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return .error(
                .yamlSyntax,
                "YAML syntax error: \(problem)",
                at: SourceLocation(file: file, line: mark.line, column: mark.column)
            )
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .error(
                .duplicateKey,
                "duplicate key \(duplicates.map(SourceEcho.word).joined(separator: ", ")) in this mapping",
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
            )
        default:
            // Yams' own description quotes the source around the problem:
            // say only which kind of error it was.
            return .error(.yamlSyntax, "YAML error (\(Self.caseName(of: yamlError)))", at: .start(of: file))
        }
    }

    /// `scanner`, `reader`...: the enum case alone, without its payload.
    static func caseName(of error: YamlError) -> String {
        let mirror = Mirror(reflecting: error)
        return mirror.children.first?.label ?? "\(type(of: error))"
    }
}
