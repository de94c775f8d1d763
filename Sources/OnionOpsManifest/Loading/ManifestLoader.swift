public import OnionOpsCore
import Yams

/// Intake: files -> guard -> Yams nodes -> model -> semantic validation.
///
/// Every stage reports all it finds. A file that fails the guard is not
/// parsed further (it may be hostile); the other files still are.
public struct ManifestLoader: Sendable {
    public var limits: YAMLLimits
    public var validator: Validator

    public init(limits: YAMLLimits = .default, validator: Validator = Validator()) {
        self.limits = limits
        self.validator = validator
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

        for file in files {
            let bytes: [UInt8]
            switch file.content {
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

        diagnostics += validator.validate(topology, context: context)
        return LoadResult(topology: topology, diagnostics: diagnostics.sortedByLocation(), files: files.map(\.path))
    }

    /// Yams errors that slip past the guard (the guard parses with the same
    /// libyaml, so these are rare) keep their position.
    static func diagnostic(for error: any Error, file: String) -> Diagnostic {
        guard let yamlError = error as? YamlError else {
            return .error(.yamlSyntax, "\(error)", at: .start(of: file))
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
                "duplicate key \(duplicates.joined(separator: ", ")) in this mapping",
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
            )
        default:
            return .error(.yamlSyntax, "\(yamlError)", at: .start(of: file))
        }
    }
}
