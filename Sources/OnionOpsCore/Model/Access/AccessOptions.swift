/// Who may reach the upstream through the onion, and what nginx answers
/// itself. The YAML keys sit directly under a project's `nginx:`.
public struct AccessOptions: Sendable, Hashable {
    /// Answered with 403 and `blockMessage` (Onionspray's `block_*`).
    public var block: RequestRules
    /// Answered with `denyStatus` (Onionspray's `*_blacklist`).
    public var deny: RequestRules
    /// For each non-empty list, a request matching none of its entries is
    /// answered with `denyStatus` (Onionspray's `*_whitelist`).
    public var allowOnly: RequestRules
    /// The body of a 403 (Onionspray's `block_err`).
    public var blockMessage: String
    /// The status of a denied request (Onionspray's `nginx_action_abort`,
    /// `return 500`); 444 closes the connection without an answer.
    public var denyStatus: Int
    /// Answer requests relayed by tor2web gateways with 403.
    public var suppressTor2web: Bool
    /// Only GET (and HEAD) reach the upstream; anything else is 403.
    public var getOnly: Bool
    /// A path that sets a lock cookie; without the cookie every other
    /// request is denied (Onionspray's `cookie_lock`). Not a secret: it is
    /// in the repository and the rendered config.
    public var cookieLock: String?
    public var redirects: [Redirect]
    /// Fixed answers on the onion's https side (`hardcoded_endpoint_csv`).
    public var fixedResponses: [FixedResponse]
    /// Fixed answers on both http and https, for a CA's domain validation
    /// (`ssl_proof_csv`); served even where http redirects to https.
    public var caValidation: [FixedResponse]

    public init(
        block: RequestRules = RequestRules(),
        deny: RequestRules = RequestRules(),
        allowOnly: RequestRules = RequestRules(),
        blockMessage: String = AccessOptions.defaultBlockMessage,
        denyStatus: Int = 500,
        suppressTor2web: Bool = true,
        getOnly: Bool = false,
        cookieLock: String? = nil,
        redirects: [Redirect] = [],
        fixedResponses: [FixedResponse] = [],
        caValidation: [FixedResponse] = []
    ) {
        self.block = block
        self.deny = deny
        self.allowOnly = allowOnly
        self.blockMessage = blockMessage
        self.denyStatus = denyStatus
        self.suppressTor2web = suppressTor2web
        self.getOnly = getOnly
        self.cookieLock = cookieLock
        self.redirects = redirects
        self.fixedResponses = fixedResponses
        self.caValidation = caValidation
    }

    public static let defaultBlockMessage = "This action is not supported over Onion yet, sorry."
    public static let denyStatusRange = 400...599
    /// The cookie `cookieLock` sets and checks.
    public static let lockCookie = "oo_lock"
}
