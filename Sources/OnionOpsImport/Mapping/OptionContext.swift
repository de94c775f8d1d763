public import OnionOpsCore

/// What a setting's rule writes into: one project's `spec`.
public struct OptionContext: Sendable {
    public var spec: ManifestTree
    public let mode: ProjectMode
    public var diagnostics: [Diagnostic] = []

    public init(spec: ManifestTree, mode: ProjectMode) {
        self.spec = spec
        self.mode = mode
    }

    /// `set NAME (file:line)`: the comment beside every key a setting wrote.
    static func origin(_ setting: EOTKSetting) -> String {
        "set \(setting.name) (\(setting.location.file):\(setting.location.line))"
    }

    mutating func write(_ path: String, _ value: ManifestValue, from setting: EOTKSetting) {
        spec.set(path, value, comment: Self.origin(setting))
    }

    mutating func bad(_ setting: EOTKSetting, _ message: String) -> OptionOutcome {
        diagnostics.append(.error(.importBadValue, "\(setting.name): \(message)", at: setting.location))
        return .unsupported("bad value: \(message)")
    }
}
