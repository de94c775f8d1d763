/// Semantic validation of a decoded topology: runs every rule and returns
/// every diagnostic, sorted by file and line.
public struct Validator: Sendable {
    public var rules: [any ValidationRule]

    public init(rules: [any ValidationRule] = Validator.standardRules) {
        self.rules = rules
    }

    public static let standardRules: [any ValidationRule] = [
        NameRule(),
        HostRule(),
        ReferenceRule(),
        SiteRule(),
        TorOptionsRule(),
        NginxOptionsRule(),
        ProxyOptionsRule(),
        AccessOptionsRule(),
        SoftmapRule(),
        SiteSharingRule(),
        SocketPathRule(),
    ]

    public func validate(_ topology: Topology, context: ValidationContext = ValidationContext()) -> [Diagnostic] {
        var report = ValidationReport()
        for rule in rules {
            rule.check(topology, context: context, into: &report)
        }
        return report.diagnostics.sortedByLocation()
    }
}
