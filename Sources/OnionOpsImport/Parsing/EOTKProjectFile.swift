/// A project file's text as read: `*.conf`, or a `*.tconf` template.
public struct EOTKProjectFile: Sendable, Hashable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    public var isTemplate: Bool { path.hasSuffix(".tconf") }
}
