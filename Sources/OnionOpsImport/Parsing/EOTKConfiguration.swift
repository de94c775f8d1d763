public import OnionOpsCore

/// One project file as EOTK understands it once read: its settings (each
/// applies to the whole file, the last one written wins), its projects with
/// their map lines, and its foreign maps.
public struct EOTKConfiguration: Sendable {
    public struct Map: Sendable, Hashable {
        public var mode: ProjectMode
        public var address: OnionAddress
        /// The key file the line named (a path, or a name ending in `.key`).
        public var keyPath: String?
        public var domain: String
        public var subdomains: [String]
        public var location: SourceLocation
    }

    public struct Project: Sendable, Hashable {
        public var name: String
        public var mode: ProjectMode
        public var maps: [Map]
    }

    public struct ForeignMap: Sendable, Hashable {
        public var address: OnionAddress
        public var domain: String
        public var location: SourceLocation
    }

    public var file: String
    /// Every `set` line in file order, for the report.
    public var settingLines: [EOTKSetting] = []
    /// The value each setting has for the whole file: the last one written.
    public var settings: [String: EOTKSetting] = [:]
    public var projects: [Project] = []
    public var foreignMaps: [ForeignMap] = []
    /// Lines read but left out, with the reason (v2 foreign maps).
    public var droppedLines: [(location: SourceLocation, statement: String, reason: String)] = []

    /// Builds the file's meaning from its statements; problems come back as
    /// diagnostics at the line that causes them.
    public static func build(file: String, statements: [EOTKStatement]) -> (EOTKConfiguration, [Diagnostic]) {
        var config = EOTKConfiguration(file: file)
        var diagnostics: [Diagnostic] = []
        var seenOnions: [OnionAddress: SourceLocation] = [:]
        var foreignByDomain: [String: SourceLocation] = [:]
        for statement in statements {
            switch statement {
            case .set(let name, let value):
                let setting = EOTKSetting(name: name.text, words: value, location: name.location)
                if let comment = value.first(where: { $0.text.hasPrefix("#") }) {
                    diagnostics.append(
                        .warning(
                            .importInlineComment,
                            "'\(comment.text)' looks like a comment, but EOTK has no inline comments: \(name.text) is '\(setting.value)'",
                            at: comment.location
                        )
                    )
                }
                config.settingLines.append(setting)
                config.settings[name.text] = setting
            case .map(let mode, let onionToken, let domainToken, let subdomainTokens, let projectName):
                let onion: (OnionAddress, String?)
                switch parseOnion(onionToken) {
                case .success(let value): onion = value
                case .failure(let diagnostic):
                    diagnostics.append(diagnostic)
                    continue
                }
                if let earlier = seenOnions[onion.0] {
                    diagnostics.append(
                        .error(
                            .importDuplicate, "\(onion.0) is mapped twice (first at \(earlier))",
                            at: onionToken.location)
                    )
                    continue
                }
                seenOnions[onion.0] = onionToken.location
                guard let domain = parseDomain(domainToken, into: &diagnostics) else { continue }
                var subdomains: [String] = []
                for token in subdomainTokens {
                    if token.text.hasPrefix("#") {
                        diagnostics.append(
                            .error(
                                .importInlineComment,
                                "'\(token.text)' would be a subdomain here: EOTK has no inline comments, so this line maps '\(token.text)' too; move the comment to a line of its own",
                                at: token.location
                            )
                        )
                        continue
                    }
                    subdomains.append(token.text.lowercased())
                }
                let map = Map(
                    mode: mode, address: onion.0, keyPath: onion.1, domain: domain, subdomains: subdomains,
                    location: onionToken.location
                )
                if let index = config.projects.firstIndex(where: { $0.name == projectName }) {
                    guard config.projects[index].mode == mode else {
                        let existing = config.projects[index].mode.rawValue
                        diagnostics.append(
                            .error(
                                .importMixedProject,
                                "project '\(projectName)' is a \(existing) project; a \(mode.rawValue) line cannot join it (EOTK: 'you cannot add \(mode.rawValue) to an existing \(existing) project')",
                                at: onionToken.location
                            )
                        )
                        continue
                    }
                    config.projects[index].maps.append(map)
                } else {
                    config.projects.append(Project(name: projectName, mode: mode, maps: [map]))
                }
            case .foreignmap(let onionToken, let domainToken):
                let address: OnionAddress
                if isV2(onionToken.text) {
                    // Names another operator's v2 onion: nothing serves it
                    // since tor 0.4.6, so there is nothing to rewrite to.
                    let reason = "a v2 onion, gone from Tor since 0.4.6: nothing to rewrite \(domainToken.text) to"
                    config.droppedLines.append(
                        (onionToken.location, "foreignmap \(onionToken.text) \(domainToken.text)", reason))
                    diagnostics.append(
                        .warning(
                            .importUnsupported, "foreignmap \(onionToken.text) left out: \(reason)",
                            at: onionToken.location))
                    continue
                }
                switch parseOnion(onionToken) {
                case .success(let value): address = value.0
                case .failure(let diagnostic):
                    diagnostics.append(diagnostic)
                    continue
                }
                guard let domain = parseDomain(domainToken, into: &diagnostics) else { continue }
                if let earlier = config.foreignMaps.first(where: { $0.address == address }) {
                    diagnostics.append(
                        .error(
                            .importDuplicate,
                            "foreignmap \(address) is already mapped at \(earlier.location) (EOTK: 'duplicate onion')",
                            at: onionToken.location)
                    )
                    continue
                }
                if let earlier = foreignByDomain[domain] {
                    diagnostics.append(
                        .error(
                            .importDuplicate,
                            "foreignmap \(domain) is already mapped at \(earlier) (EOTK: 'duplicate domain')",
                            at: domainToken.location)
                    )
                    continue
                }
                foreignByDomain[domain] = domainToken.location
                config.foreignMaps.append(ForeignMap(address: address, domain: domain, location: onionToken.location))
            }
        }
        return (config, diagnostics)
    }

    /// An onion as a map line may write it: bare (56 characters), with
    /// `.onion`, with a folder in front, or as a key file name ending in
    /// `.key` (`<onion>.v3sec.key` too). v2 addresses (16 characters) are
    /// refused: tor dropped them in 0.4.6.
    static func parseOnion(_ token: EOTKToken) -> Result<(OnionAddress, String?), Diagnostic> {
        let text = token.text
        let namesFile = text.contains("/") || text.hasSuffix(".key") || text.hasSuffix(".pem")
        if isV2(text) {
            return .failure(
                .error(
                    .importKey,
                    "\(text) is a v2 onion address; tor removed v2 onion services in 0.4.6, so it cannot be imported (make a v3 address and announce it)",
                    at: token.location
                )
            )
        }
        switch OnionAddress.parse(bareName(text) + OnionAddress.suffix) {
        case .success(let address):
            return .success((address, namesFile ? text : nil))
        case .failure(let error):
            return .failure(
                .error(.invalidOnionAddress, "\(text): an onion address \(error)", at: token.location))
        }
    }

    /// 16 base32 characters once the folder and suffixes are off.
    static func isV2(_ written: String) -> Bool {
        let bare = bareName(written)
        return bare.count == 16 && bare.allSatisfy { ("a"..."z").contains($0) || ("2"..."7").contains($0) }
    }

    /// The onion's characters as a map line may write them: without a
    /// folder, `.key`, `.pem`, `.v3sec` and `.onion`, lowercased.
    static func bareName(_ written: String) -> String {
        var text = written
        if let slash = text.lastIndex(of: "/") { text = String(text[text.index(after: slash)...]) }
        for suffix in [".key", ".pem", ".v3sec", ".onion"] where text.hasSuffix(suffix) {
            text.removeLast(suffix.count)
        }
        return text.lowercased()
    }

    private static func parseDomain(_ token: EOTKToken, into diagnostics: inout [Diagnostic]) -> String? {
        let domain = token.text.lowercased()
        guard ConfigText.isDNSName(domain) else {
            diagnostics.append(
                .error(
                    .invalidDNSName,
                    "'\(token.text)' is not a DNS name (lowercase labels of letters, digits and hyphens, at least two)",
                    at: token.location)
            )
            return nil
        }
        return domain
    }
}
