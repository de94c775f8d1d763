/// A path answered by nginx itself with a fixed body, never reaching the
/// upstream (Onionspray's `hardcoded_endpoint_csv` and `ssl_proof_csv`).
public struct FixedResponse: Sendable, Hashable {
    /// An exact path.
    public var path: String
    public var body: String
    public var contentType: String

    public init(path: String, body: String, contentType: String = FixedResponse.defaultType) {
        self.path = path
        self.body = body
        self.contentType = contentType
    }

    public static let defaultType = "text/plain"
    /// Bodies are short texts (robots.txt, a CA's validation token).
    public static let maxBodyBytes = 8192
}
