import Foundation
import OnionOpsCore
import OnionOpsImport
import OnionOpsManifest
import OnionOpsTestSupport
import Testing

/// Whatever a project file's values hold, `import` writes them as YAML
/// values: the manifests it writes always parse, and nothing in a value
/// becomes a key, a document or an alias. Rule errors (config-injection,
/// invalid-value) are fine: they refuse the value where the operator sees it.
@Suite struct ImportOutputInjectionTests {
    static let palette = [
        "'", "\"", ": ", "#", "{", "}", "[", "]", "- ", "&a", "*a", "!!str", "\u{01}", "%", "\\", "\\\\", ",", "---",
        "...", "é", "\u{202E}", "key: value", "? x", "|", ">", "@", "`", "$x", ";", "\t",
    ]
    static let settings = [
        "block_err", "block_path_re", "block_host", "cookie_lock", "x_from_onion_value", "nginx_resolver",
        "hardcoded_endpoint_csv", "preserve_csv", "redirect_host", "block_param", "extra_subs_filter_types",
        "nginx_cache_size", "inject_origin", "nginx_syslog", "no_cache_host", "user_agent_whitelist_re",
    ]

    @Test func valuesNeverBecomeStructure() async throws {
        var generator = SeededGenerator(seed: 16)
        let folder = try TemporaryFolder(prefix: "oo-import-fuzz")
        defer { folder.remove() }
        let onion = EOTKGrammarTests.onionA
        var written = 0
        for round in 0..<150 {
            var lines = ["set project p\(round)", "hardmap \(onion) example.org"]
            for _ in 0..<3 {
                let name = Self.settings[Int.random(in: 0..<Self.settings.count, using: &generator)]
                var value = "v"
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    value += Self.palette[Int.random(in: 0..<Self.palette.count, using: &generator)]
                    value += Bool.random(using: &generator) ? "x" : ","
                }
                lines.append("set \(name) \(value)")
            }
            let text = lines.joined(separator: "\n") + "\n"
            let read = EOTKReader.read([EOTKProjectFile(path: "f.conf", text: text)], siteConf: nil, environment: [:])
            let plan = ImportBuilder.build(read.configurations, material: ImportMaterial(), options: ImportOptions())
            // A control character is refused at its line, and nothing is written.
            if read.diagnostics.hasErrors {
                #expect(
                    read.diagnostics.contains { $0.code == .importSyntax && $0.message.contains("control character") })
                continue
            }
            let out = "\(folder.path)/\(round)"
            for file in plan.files {
                let path = out + "/" + file.path
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try file.text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            written += 1
            let loaded = await ManifestLoader().load(from: FolderManifestSource(path: out))
            let structural: Set<DiagnosticCode> = [
                .yamlSyntax, .yamlEncoding, .duplicateKey, .unknownKey, .tooManyDocuments, .undefinedAlias,
                .aliasAsKey, .complexKey, .unknownKind,
            ]
            let broken = loaded.diagnostics.filter { structural.contains($0.code) }
            #expect(broken.isEmpty, "round \(round):\n\(text)\n\(broken.map(\.description))")
            // The project is still there, whatever its values did.
            #expect(loaded.topology.projects.map(\.name) == ["p\(round)"] || !loaded.diagnostics.isEmpty)
        }
        #expect(written > 50)
    }
}
