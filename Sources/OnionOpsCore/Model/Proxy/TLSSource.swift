public enum TLSSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// A certificate per onion made by OnionOps.
    case selfSigned
    /// The operator's own certificate and key, sealed in the repo.
    case operatorProvided = "operator"
}
