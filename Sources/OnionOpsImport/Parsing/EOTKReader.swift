public import OnionOpsCore
public import OnionOpsKeys

/// Project files to configurations: templates expanded, `eotk-site.conf`
/// read in front of each file (as EOTK prepends it), lexed and parsed.
public enum EOTKReader {
    public struct Result: Sendable {
        public var configurations: [EOTKConfiguration]
        /// Keys `%NEW_V3_ONION%` made, by address.
        public var newKeys: [OnionAddress: OnionKey]
        public var diagnostics: [Diagnostic]
    }

    public static func read(
        _ files: [EOTKProjectFile],
        siteConf: EOTKProjectFile?,
        environment: [String: String],
        makeKey: () -> OnionKey = { OnionKey.generate() }
    ) -> Result {
        var result = Result(configurations: [], newKeys: [:], diagnostics: [])
        var siteLines: [EOTKLine] = []
        if let siteConf {
            let lexed = EOTKLexer.lines(of: siteConf.text, file: siteConf.path)
            siteLines = lexed.lines
            result.diagnostics += lexed.diagnostics
        }
        for file in files {
            var text = file.text
            var refused: Set<Int> = []
            if file.isTemplate {
                let expansion = EOTKTemplate.expand(text, file: file.path, environment: environment, makeKey: makeKey)
                text = expansion.text
                for key in expansion.newKeys { result.newKeys[key.address] = key }
                result.diagnostics += expansion.diagnostics
                refused = expansion.refusedLines
            }
            let lexed = EOTKLexer.lines(of: text, file: file.path)
            result.diagnostics += lexed.diagnostics
            let kept = lexed.lines.filter { line in !line.tokens.contains { refused.contains($0.location.line) } }
            let parsed = EOTKParser.statements(of: siteLines + kept)
            result.diagnostics += parsed.diagnostics
            let (configuration, problems) = EOTKConfiguration.build(file: file.path, statements: parsed.statements)
            result.diagnostics += problems
            result.configurations.append(configuration)
        }
        return result
    }
}
