/// How visitors' requests are changed on their way to the upstream.
public struct RequestOptions: Sendable, Hashable {
    /// Rewrite onion names to upstream names in form and JSON POST bodies.
    public var deonionifyPostBodies: Bool
    /// A fixed Origin sent upstream instead of the de-onionified one.
    public var injectOrigin: String?
    /// A fixed Referer sent upstream instead of the de-onionified one.
    public var injectReferer: String?
    /// nginx's client_max_body_size.
    public var maxBodySize: String

    public init(
        deonionifyPostBodies: Bool = false,
        injectOrigin: String? = nil,
        injectReferer: String? = nil,
        maxBodySize: String = "4m"
    ) {
        self.deonionifyPostBodies = deonionifyPostBodies
        self.injectOrigin = injectOrigin
        self.injectReferer = injectReferer
        self.maxBodySize = maxBodySize
    }
}
