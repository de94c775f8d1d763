/// A query parameter and the value (or regex) it is matched against.
public struct ParamMatch: Sendable, Hashable {
    /// The parameter's name: letters, digits and `_` (nginx's `$arg_<name>`).
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
