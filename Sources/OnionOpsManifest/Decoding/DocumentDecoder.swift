import OnionOpsCore
import Yams

/// Decodes one YAML document (a Yams node tree) into a model object.
///
/// Problems are collected, not thrown. An object with a broken optional
/// field is still returned (the field keeps its default) so later checks
/// see it; one missing a required field is not, but its kind and name are,
/// so references to it are not reported as dangling too.
struct DocumentDecoder {
    static let apiVersion = "onionops/v1"

    struct Result {
        var object: DecodedObject?
        /// Set when the envelope was readable but the spec was not.
        var undecodedName: (kind: ObjectKind, name: String)?
        var diagnostics: [Diagnostic]
    }

    let file: String

    /// Where a document starts, for messages about it as a whole.
    func location(of document: Node) -> SourceLocation {
        guard let mark = document.mark else { return .start(of: file) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func decode(_ document: Node) -> Result {
        let context = DecodeContext(file: file, document: document)
        guard
            let envelope = MappingReader(
                document,
                path: "",
                allowed: ["apiVersion", "kind", "metadata", "spec"],
                context: context
            )
        else {
            return Result(object: nil, undecodedName: nil, diagnostics: context.diagnostics)
        }

        if let version = envelope.requiredString("apiVersion"), version != Self.apiVersion,
            let node = envelope.value("apiVersion")
        {
            context.error(
                .unsupportedAPIVersion,
                "apiVersion \(SourceEcho.word(version)) is not supported; use '\(Self.apiVersion)'",
                at: node
            )
        }
        var kind: ObjectKind?
        if let text = envelope.requiredString("kind"), let node = envelope.value("kind") {
            kind = ObjectKind(rawValue: text)
            if kind == nil {
                let known = ObjectKind.allCases.map(\.rawValue).joined(separator: ", ")
                var message = "unknown kind \(SourceEcho.word(text)); expected one of \(known)"
                if let suggestion = Suggestion.closest(to: text, in: ObjectKind.allCases.map(\.rawValue)) {
                    message = "unknown kind \(SourceEcho.word(text)); did you mean '\(suggestion)'?"
                }
                context.error(.unknownKind, message, at: node)
            }
        }
        var name: String?
        if envelope.has("metadata") {
            name = envelope.mapping("metadata", allowed: ["name"])?.requiredString("name")
        } else {
            envelope.missing("metadata")
        }
        guard envelope.has("spec") else {
            envelope.missing("spec")
            return finish(nil, kind: kind, name: name, context: context)
        }
        guard let kind, let name, let specNode = envelope.value("spec") else {
            return finish(nil, kind: kind, name: name, context: context)
        }

        let object: DecodedObject?
        switch kind {
        case .host: object = HostDecoder.decode(name: name, spec: specNode, context: context).map(DecodedObject.host)
        case .project:
            object = ProjectDecoder.decode(name: name, spec: specNode, context: context).map(DecodedObject.project)
        case .balancer:
            object = BalancerDecoder.decode(name: name, spec: specNode, context: context).map(DecodedObject.balancer)
        }
        return finish(object, kind: kind, name: name, context: context)
    }

    private func finish(_ object: DecodedObject?, kind: ObjectKind?, name: String?, context: DecodeContext) -> Result {
        let usable = context.missingRequired ? nil : object
        var undecoded: (ObjectKind, String)?
        if usable == nil, let kind, let name { undecoded = (kind, name) }
        return Result(object: usable, undecodedName: undecoded, diagnostics: context.diagnostics)
    }
}
